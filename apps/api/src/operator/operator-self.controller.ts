import { Controller, Get, Inject, Req, UseGuards } from '@nestjs/common';
import { OperatorAuthGuard, type OperatorRequest } from '../../../../libs/auth/operator-auth.guard.js';
import { OperatorRoles } from '../../../../libs/auth/operator-roles.js';
import { APP_CONFIG, type AppConfig } from '../../../../libs/config/config.js';
import { ApiDoc, ApiOperator, RequireRole } from '../ops/api-docs.js';

/**
 * Who the token is and what it may do, so that a client (the console) offers only the actions
 * the API would accept. The API still checks every request: this answer grants nothing.
 */
@ApiOperator('operator: self')
@Controller('operators')
@UseGuards(OperatorAuthGuard)
export class OperatorSelfController {
  private readonly roles: OperatorRoles;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.roles = new OperatorRoles(config.OPERATOR_ROLES);
  }

  @ApiDoc("The token's operator, the roles it holds, and whether its own campaigns may be approved by it", {
    description: '`{operator, roles, rolesConfigured, selfApprovalAllowed}`',
  })
  @RequireRole('viewer')
  @Get('me')
  me(@Req() req: OperatorRequest) {
    const operator = req.operator!;
    return {
      operator,
      roles: this.roles.held(operator),
      rolesConfigured: this.roles.configured,
      selfApprovalAllowed: this.config.ALLOW_SELF_APPROVAL,
    };
  }
}
