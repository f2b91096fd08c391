import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';

/**
 * `POST /adapters/{system}/messages`: where legacy systems post their native messages. Declaration
 * only: `ingressHandlerFirst` (ingress.http-handler.ts) answers these requests before Express and
 * Nest's router see them; this class gives the route and its contract to the OpenAPI document.
 */
@ApiTags('ingress')
@Controller('adapters')
export class IngressController {
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
  @ApiParam({ name: 'system', description: 'The posting system, as named in the bus config' })
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
  post(): never {
    throw new Error('POST /adapters/{system}/messages is answered by ingressHandlerFirst; this route is a declaration for the OpenAPI document');
  }
}
