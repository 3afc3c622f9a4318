import { type Alarm } from '@gridwerk/grid/alarms';
import { createEvent, EventTypes, messageKeyOf, Topics } from '@gridwerk/contracts';
import type { OutboxMessage } from '@gridwerk/grid/read-model';

const STATE_LABEL: Record<Alarm['state'], string> = {
  unacknowledged: 'UNACK',
  acknowledged: 'ACKED',
  'rtn-unacknowledged': 'RTN-UNACK',
  cleared: 'CLEARED',
  shelved: 'SHELVED',
  'out-of-service': 'OOS',
};

/**
 * A new or changed alarm as `de.gridwerk.alert.v1` on `grid.alerts.v1`. The v1 schema is closed
 * (`additionalProperties: false`), so the ISA-18.2 state travels without new fields: `alertId` is the
 * occurrence (stable across its changes), the CloudEvents `id` is `<alertId>:<version>` (one per change, the
 * idempotency key), and the state leads the `message` (`[ACKED by anna] ...`). Strict v1 consumers keep
 * validating; the structured state is served by the API.
 */
export function alertOutboxMessage(
  alarm: Alarm,
  topic: string = Topics.alerts,
  source = '/gridwerk/grid-api',
): OutboxMessage {
  const by =
    alarm.state === 'acknowledged' && alarm.acknowledgedBy
      ? ` by ${alarm.acknowledgedBy.username}`
      : alarm.state === 'shelved' && alarm.shelvedUntil
        ? ` until ${alarm.shelvedUntil}`
        : '';
  const data = {
    alertId: alarm.id,
    assetId: alarm.nodeId,
    assetKind: alarm.nodeKind,
    severity: alarm.severity,
    code: alarm.code,
    message: `[${STATE_LABEL[alarm.state]}${by}] ${alarm.message}`,
    raisedAt: alarm.raisedAt,
    ...(alarm.value !== undefined ? { value: alarm.value } : {}),
    ...(alarm.threshold !== undefined ? { threshold: alarm.threshold } : {}),
    ...(alarm.unit !== undefined ? { unit: alarm.unit } : {}),
  };
  const event = createEvent(EventTypes.alert, data, {
    source,
    subject: alarm.nodeId,
    id: `${alarm.id}:${alarm.version}`,
    time: alarm.changedAt,
  });
  return { topic, key: messageKeyOf(EventTypes.alert, data) ?? alarm.nodeId, payload: event };
}
