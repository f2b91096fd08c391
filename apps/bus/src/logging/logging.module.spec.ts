import { All, Controller, HttpException, type INestApplication, Param, Query } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { LoggingModule } from './logging.module';

/** Answers with the status the path asks for. */
@Controller()
class StatusController {
  @All(['admin/status/:code', 'health/status/:code', 'adapters/:system/status/:code'])
  answer(@Param('code') code: string) {
    if (Number(code) >= 400) throw new HttpException('refused', Number(code));
    return { ok: true };
  }

  @All('metrics')
  metrics(@Query('code') code: string) {
    return this.answer(code);
  }
}

describe(LoggingModule.name, () => {
  let app: INestApplication;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const destination = { write: (line: string) => void lines.push(JSON.parse(line)) };
    const moduleRef = await Test.createTestingModule({ imports: [LoggingModule.forRoot({ level: 'info', format: 'json', destination })], controllers: [StatusController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(() => app.close());

  beforeEach(() => {
    lines.length = 0;
  });

  it('should log an operator request that ended in a 5xx with its method, path and status, and no header', async () => {
    await request(app.getHttpServer()).post('/admin/status/500').set('Authorization', 'Bearer secret-token');
    await request(app.getHttpServer()).get('/metrics?code=502');

    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', req: { method: 'POST', url: '/admin/status/500' }, res: { statusCode: 500 }, msg: 'POST /admin/status/500 answered 500' }),
      expect.objectContaining({ level: 'error', req: { method: 'GET', url: '/metrics?code=502' }, res: { statusCode: 502 } }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it("should stay quiet on a healthy request, a health probe's 503 and the systems' routes", async () => {
    await request(app.getHttpServer()).get('/admin/status/200');
    await request(app.getHttpServer()).get('/admin/status/404');
    await request(app.getHttpServer()).get('/health/status/503');
    await request(app.getHttpServer()).post('/adapters/crm/status/500');

    expect(lines).toEqual([]);
  });
});
