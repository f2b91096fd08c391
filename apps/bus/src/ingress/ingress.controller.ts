import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RequestWithRawBody } from '../common/raw-body.middleware';
import { IngressService } from './ingress.service';

/**
 * `POST /adapters/{system}/messages`: where legacy systems post their native messages. Requests are
 * answered by `ingressHandlerFirst` (ingress.http-handler.ts) before Express sees them; this class
 * declares the route and its contract for the OpenAPI document, with the same one call.
 */
@ApiTags('ingress')
@Controller('adapters')
export class IngressController {
  constructor(private readonly ingress: IngressService) {}

  @Post(':system/messages')
  @HttpCode(202)
  @ApiOperation({
    summary: "Post a message in the system's native format; answered after the broker confirmed it.",
    description:
      'Sender contract. 202: the bus has the message and will deliver it (or park it as a dead letter). ' +
      '503 (always with Retry-After): not accepted, or the outcome is unknown (e.g. the broker connection died before its confirm); ' +
      'send the same request again with the same Idempotency-Key after Retry-After. That retry never yields a second delivery, ' +
      'whether or not the first attempt reached the broker: it keeps the first message id and correlation id. ' +
      'Without an Idempotency-Key (and without a native id in the mapping), a retry after a 503 may deliver twice.',
  })
  @ApiHeader({ name: 'X-Api-Key', required: true, description: "The posting system's own key" })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'One key per message, the same on every retry: a confirmed key answers 202 with the original ids and publishes nothing; an unconfirmed one is published again under its original id',
  })
  @ApiHeader({ name: 'X-Correlation-Id', required: false })
  @ApiBody({ description: "The system's native body (JSON, XML, CSV… as its codec says)" })
  @ApiResponse({ status: 202, description: '{ messageId, correlationId, messageIds, duplicate }: will be delivered. `duplicate`: accepted before under this key; the ids are the original ones' })
  @ApiResponse({ status: 400, description: 'Body does not parse, map or validate; `details` names the field' })
  @ApiResponse({ status: 401, description: 'Missing or wrong X-Api-Key, or no such system (the same answer)' })
  @ApiResponse({ status: 413, description: 'Body over ingress.bodyLimit' })
  @ApiResponse({ status: 415, description: "Content-Type is not the system's format" })
  @ApiResponse({
    status: 503,
    description: 'Not accepted, or not known to be (broker unreachable, confirm lost): retry with the same Idempotency-Key after Retry-After; it is delivered once',
    headers: { 'Retry-After': { description: 'Seconds to wait before the retry', schema: { type: 'integer' } } },
  })
  post(
    @Param('system') system: string,
    @Req() req: RequestWithRawBody,
    @Headers('x-api-key') apiKey?: string,
    @Headers('content-type') contentType?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('x-correlation-id') correlationId?: string,
  ) {
    return this.ingress.accept({ system, apiKey, contentType, idempotencyKey, correlationId, body: req.rawBody ?? Buffer.alloc(0) });
  }
}
