import { All, Controller, type INestApplication, Req } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { LoggingModule } from './logging.module';

/** Answers whether the request logger saw the request (pino-http gives it `req.log`). */
@Controller()
class EchoController {
  @All(['admin/dead-letters', 'health/ready', 'metrics', 'adapters/:system/messages', 'adapters/:system/queries/:name'])
  seen(@Req() req: { log?: unknown }) {
    return { logged: req.log !== undefined };
  }
}

describe(LoggingModule.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [LoggingModule.forRoot({ level: 'silent', format: 'json' })], controllers: [EchoController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  it.each(['/admin/dead-letters', '/health/ready', '/metrics'])('should give the operator route %s a request logger', async (path) => {
    const res = await request(app.getHttpServer()).get(path);
    expect(res.body).toEqual({ logged: true });
  });

  it.each(['/adapters/crm/messages', '/adapters/crm/queries/balance'])('should leave the system route %s without a request logger', async (path) => {
    const res = await request(app.getHttpServer()).post(path);
    expect(res.body).toEqual({ logged: false });
  });
});
