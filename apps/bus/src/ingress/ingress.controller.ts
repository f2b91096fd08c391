import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { RequestWithRawBody } from '../common/raw-body.middleware';
import { IngressService } from './ingress.service';

/** `POST /adapters/{system}/messages`: where legacy systems post their native messages. */
@ApiTags('ingress')
@Controller('adapters')
export class IngressController {
  constructor(private readonly ingress: IngressService) {}

  @Post(':system/messages')
  @HttpCode(202)
  @ApiOperation({ summary: "Post a message in the system's native format; answered after the broker confirmed it." })
  @ApiHeader({ name: 'X-Api-Key', required: true, description: "The posting system's own key" })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key again = same message id back, nothing republished' })
  @ApiHeader({ name: 'X-Correlation-Id', required: false })
  @ApiBody({ description: "The system's native body (JSON, XML, CSV… as its codec says)" })
  @ApiResponse({ status: 202, description: '{ messageId, correlationId, messageIds, duplicate }' })
  @ApiResponse({ status: 400, description: 'Body does not parse, map or validate; `details` names the field' })
  @ApiResponse({ status: 401, description: 'Missing or wrong X-Api-Key, or no such system (the same answer)' })
  @ApiResponse({ status: 413, description: 'Body over ingress.bodyLimit' })
  @ApiResponse({ status: 415, description: "Content-Type is not the system's format" })
  @ApiResponse({ status: 503, description: 'Broker unreachable; nothing published' })
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
