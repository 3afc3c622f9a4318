import { useMemo, useState } from 'react';
import type { Alarm, AlarmState, AuditEntry } from '../../api/types';
import { useAppState, useDispatch, useServices, useT } from '../../app/context';
import { actionsFor, filterAlarms, type StateFilter, type UserAction } from './alarm-actions';
import { AlarmActionDialog, type ActionRequest } from './AlarmActionDialog';
import { AlarmTable, type AlarmRowHandlers } from './AlarmTable';
import { AuditTrail } from './AuditTrail';
import { FloodGroups } from './FloodGroups';

const STATES: AlarmState[] = [
  'unacknowledged',
  'acknowledged',
  'rtn-unacknowledged',
  'shelved',
  'out-of-service',
  'cleared',
];

export function AlarmListScreen(props: { nodeId: string | undefined }) {
  const t = useT();
  const dispatch = useDispatch();
  const { api } = useServices();
  const locale = useAppState((s) => s.locale);
  const alarmsById = useAppState((s) => s.alarms);
  const floodGroups = useAppState((s) => s.floodGroups);
  const alarmRate = useAppState((s) => s.alarmRate);
  const session = useAppState((s) => s.session);
  const roles = session.status === 'signed-in' ? session.user.roles : [];
  const [stateFilter, setStateFilter] = useState<StateFilter>('active');
  const [nodeFilter, setNodeFilter] = useState(props.nodeId ?? '');
  const [pending, setPending] = useState<{ alarm: Alarm; action: UserAction } | undefined>();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>();
  const [audit, setAudit] = useState<
    { alarmId: string; entries: AuditEntry[] | undefined; error: string | undefined } | undefined
  >();

  // a flood group's children are shown under their parent, not one by one (unless the operator looks
  // for a node by name)
  const grouped = useMemo(() => new Set(floodGroups.flatMap((g) => g.alarmIds)), [floodGroups]);
  const alarms = useMemo(
    () =>
      filterAlarms(Object.values(alarmsById), stateFilter, nodeFilter).filter(
        (a) => nodeFilter !== '' || !grouped.has(a.id),
      ),
    [alarmsById, stateFilter, nodeFilter, grouped],
  );

  const loadAudit = (alarmId: string) => {
    setAudit({ alarmId, entries: undefined, error: undefined });
    api.audit(alarmId).then(
      (entries) => setAudit({ alarmId, entries, error: undefined }),
      (err: unknown) => setAudit({ alarmId, entries: undefined, error: String((err as Error).message) }),
    );
  };

  const run = async (alarm: Alarm, action: UserAction, r: ActionRequest): Promise<Alarm> => {
    switch (action) {
      case 'acknowledge':
        return api.acknowledge(alarm.id, r.comment);
      case 'shelve':
        return api.shelve(alarm.id, r.until ?? new Date(Date.now() + 30 * 60_000).toISOString(), r.comment);
      case 'unshelve':
        return api.unshelve(alarm.id);
      case 'remove-from-service':
        return api.outOfService(alarm.id, r.comment);
      case 'return-to-service':
        return api.returnToService(alarm.id);
    }
  };

  const submit = (alarm: Alarm, action: UserAction, r: ActionRequest) => {
    setBusy(true);
    setActionError(undefined);
    run(alarm, action, r).then(
      (updated) => {
        dispatch({ type: 'alarms/upsert', alarm: updated });
        setBusy(false);
        setPending(undefined);
        if (audit?.alarmId === alarm.id) loadAudit(alarm.id);
      },
      (err: unknown) => {
        setBusy(false);
        setActionError(err instanceof Error ? err.message : String(err));
      },
    );
  };

  const onAction = (alarm: Alarm, action: UserAction) => {
    if (action === 'unshelve' || action === 'return-to-service') submit(alarm, action, { comment: '' });
    else {
      setActionError(undefined);
      setPending({ alarm, action });
    }
  };

  const rowHandlers: AlarmRowHandlers = {
    actionsFor: (a) => actionsFor(a, roles),
    locale,
    t,
    onAction,
    onAudit: (a) => loadAudit(a.id),
    onOpenNode: (nodeId) => dispatch({ type: 'route', route: { screen: 'node', nodeId } }),
  };

  return (
    <section className="screen alarm-list" data-testid="screen-alarms">
      <h2>{t('alarms.heading')}</h2>
      <div className="filters">
        <label>
          {t('alarms.filter.state')}{' '}
          <select
            data-testid="filter-state"
            value={stateFilter}
            onChange={(e) => setStateFilter(e.target.value as StateFilter)}
          >
            <option value="active">{t('alarms.filter.active')}</option>
            <option value="all">{t('alarms.filter.all')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`alarms.state.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('alarms.filter.node')}{' '}
          <input
            data-testid="filter-node"
            value={nodeFilter}
            onChange={(e) => setNodeFilter(e.target.value)}
            placeholder="ONS-0001"
          />
        </label>
        {!roles.includes('operator') && <span className="muted">{t('alarms.readOnly')}</span>}
      </div>
      {nodeFilter === '' && (floodGroups.length > 0 || alarmRate !== undefined) && (
        <FloodGroups groups={floodGroups} rate={alarmRate} alarmsById={alarmsById} {...rowHandlers} />
      )}
      <AlarmTable alarms={alarms} {...rowHandlers} />
      {audit && (
        <AuditTrail
          alarmId={audit.alarmId}
          entries={audit.entries}
          error={audit.error}
          locale={locale}
          t={t}
          onClose={() => setAudit(undefined)}
        />
      )}
      {pending && (
        <AlarmActionDialog
          alarm={pending.alarm}
          action={pending.action}
          t={t}
          busy={busy}
          error={actionError}
          onSubmit={(r) => submit(pending.alarm, pending.action, r)}
          onCancel={() => setPending(undefined)}
        />
      )}
    </section>
  );
}
