import { Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { RequestWithRawBody } from '../common/raw-body.middleware';
import { QueryService, type AskAnswer, type AskRequest } from './query.service';

/**
 * `/adapters/{system}/queries/{name}`: a system asks a question in its own format and gets the
 * answer in its own format, synchronously, from whichever system the config says answers it.
 */
@ApiTags('queries')
@Controller('adapters')
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  /** The answer; or, for a refusal the asking system has an error mapping for, that error sent in its own format. */
  private async answerOrNativeError(req: AskRequest, res: Response): Promise<AskAnswer | undefined> {
    try {
      return await this.queries.ask(req);
    } catch (err) {
      const native = await this.queries.nativeError(req, err);
      if (!native) throw err;
      if (native.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(native.retryAfterSeconds));
      res.status(native.status).type(native.contentType).send(native.body);
      return undefined;
    }
  }

  @Get(':system/queries/:name')
  @ApiOperation({ summary: 'Ask with query-string parameters; answered in the asking system’s format.' })
  @ApiHeader({ name: 'X-Api-Key', required: true })
  @ApiResponse({ status: 200, description: 'The answer, in the asking system’s native format' })
  @ApiResponse({ status: 404, description: 'Unknown query, or the answering system has no answer (an unknown system gets 401)' })
  @ApiResponse({ status: 503, description: 'The answering system is down (named in the message); ask again after Retry-After', headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } })
  @ApiResponse({ status: 504, description: 'The answering system did not answer in time (named in the message)' })
  async get(
    @Param('system') system: string,
    @Param('name') name: string,
    @Query() query: Record<string, string>,
    @Res() res: Response,
    @Headers('x-api-key') apiKey?: string,
    @Headers('x-correlation-id') correlationId?: string,
  ) {
    const answer = await this.answerOrNativeError({ system, name, apiKey, correlationId, params: query }, res);
    if (!answer) return;
    res.status(200).type(answer.contentType).setHeader('X-Correlation-Id', answer.correlationId).send(answer.body);
  }

  @Post(':system/queries/:name')
  @ApiOperation({ summary: 'Ask with a native body; answered in the asking system’s format.' })
  @ApiHeader({ name: 'X-Api-Key', required: true })
  async post(
    @Param('system') system: string,
    @Param('name') name: string,
    @Req() req: RequestWithRawBody,
    @Res() res: Response,
    @Headers('x-api-key') apiKey?: string,
    @Headers('content-type') contentType?: string,
    @Headers('x-correlation-id') correlationId?: string,
  ) {
    const answer = await this.answerOrNativeError({ system, name, apiKey, correlationId, body: req.rawBody, contentType }, res);
    if (!answer) return;
    res.status(200).type(answer.contentType).setHeader('X-Correlation-Id', answer.correlationId).send(answer.body);
  }
}
