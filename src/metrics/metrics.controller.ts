import { Controller, Get, Header, Res } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

interface ContentTypeResponse {
  type(contentType: string): unknown;
}

/** Prometheus scrape endpoint. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) response: ContentTypeResponse): Promise<string> {
    response.type(this.metrics.contentType());
    return this.metrics.scrape();
  }
}
