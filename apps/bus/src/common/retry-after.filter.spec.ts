import { Controller, Get, HttpException, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ApiError } from './api-error';
import { DEFAULT_RETRY_AFTER_SECONDS } from './http-answer';
import { RetryAfterFilter } from './retry-after.filter';

@Controller()
class FailingController {
  @Get('own')
  own() {
    throw new ApiError(503, 'BROKER.UNAVAILABLE', 'RabbitMQ is not connected', undefined, 2);
  }

  @Get('plain')
  plain() {
    throw new HttpException('down', 503);
  }

  @Get('refused')
  refused() {
    throw new ApiError(404, 'INGRESS.UNKNOWN_SYSTEM', 'Unknown system "x".');
  }
}

describe(RetryAfterFilter.name, () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [FailingController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new RetryAfterFilter(app.getHttpAdapter()));
    await app.init();
  });

  afterAll(() => app.close());

  it('should send the Retry-After an error names with its 503', async () => {
    const res = await request(app.getHttpServer()).get('/own');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toMatchObject({ statusCode: 503, code: 'BROKER.UNAVAILABLE' });
  });

  it('should give every other 503 the default Retry-After', async () => {
    const res = await request(app.getHttpServer()).get('/plain');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe(String(DEFAULT_RETRY_AFTER_SECONDS));
    expect(res.body).toEqual({ statusCode: 503, message: 'down' });
  });

  it('should leave other refusals as they are', async () => {
    const res = await request(app.getHttpServer()).get('/refused');
    expect(res.status).toBe(404);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ statusCode: 404, code: 'INGRESS.UNKNOWN_SYSTEM', message: 'Unknown system "x".' });
  });
});
