import type { TRPCRouterRecord } from "@trpc/server";
import {
  alertBudgetsInput,
  alertChannelCreateInput,
  alertChannelRemoveInput,
  alertChannelUpdateInput,
  alertHistoryInput,
  alertRuleCreateInput,
  alertRuleRemoveInput,
  alertRuleUpdateInput,
} from "@tally/shared";
import { alertBudgets, alertHistory, alertState, DEFAULT_ALERT_SETTINGS } from "../../queries/alert-reads.ts";
import {
  checkDestination,
  createAlertChannel,
  createAlertRule,
  listAlertChannels,
  listAlertRules,
  removeAlertChannel,
  removeAlertRule,
  updateAlertChannel,
  updateAlertRule,
} from "../../queries/alerts.ts";
import { procedure } from "../init.ts";

/** Alerts: rules (editMoney), channels (admin; URLs and secrets never answered), state computed at read time, history, budgets. */
export const alertsRouter = {
  rules: {
    list: procedure("read").query(({ ctx }) => listAlertRules(ctx.db)),
    create: procedure("editMoney").input(alertRuleCreateInput).mutation(({ ctx, input }) => createAlertRule(ctx.db, ctx.principal, input, ctx.now())),
    update: procedure("editMoney").input(alertRuleUpdateInput).mutation(({ ctx, input }) => updateAlertRule(ctx.db, ctx.principal, input, ctx.now())),
    remove: procedure("editMoney").input(alertRuleRemoveInput).mutation(({ ctx, input }) => removeAlertRule(ctx.db, ctx.principal, input, ctx.now())),
  },
  channels: {
    list: procedure("admin").query(({ ctx }) => listAlertChannels(ctx.db)),
    create: procedure("admin").input(alertChannelCreateInput).mutation(({ ctx, input }) => {
      checkDestination(input.url, (ctx.alerts ?? DEFAULT_ALERT_SETTINGS).allowPrivateDestinations);
      return createAlertChannel(ctx.db, ctx.principal, input, ctx.now());
    }),
    update: procedure("admin").input(alertChannelUpdateInput).mutation(({ ctx, input }) => {
      checkDestination(input.url, (ctx.alerts ?? DEFAULT_ALERT_SETTINGS).allowPrivateDestinations);
      return updateAlertChannel(ctx.db, ctx.principal, input, ctx.now());
    }),
    remove: procedure("admin").input(alertChannelRemoveInput).mutation(({ ctx, input }) => removeAlertChannel(ctx.db, ctx.principal, input, ctx.now())),
  },
  state: procedure("read").query(({ ctx }) => alertState(ctx.db, ctx.alerts ?? DEFAULT_ALERT_SETTINGS, ctx.now())),
  history: procedure("read").input(alertHistoryInput).query(({ ctx, input }) => alertHistory(ctx.db, input)),
  budgets: procedure("read").input(alertBudgetsInput).query(({ ctx, input }) => alertBudgets(ctx.db, input, ctx.now())),
} satisfies TRPCRouterRecord;
