import type { Translate } from '../../i18n/i18n';

export function SignIn(props: { t: Translate; message: string | undefined; onSignIn: () => void }) {
  const { t } = props;
  return (
    <div className="signin">
      <h1>{t('app.title')}</h1>
      <p>{props.message ?? t('session.welcome')}</p>
      <button type="button" className="primary" data-testid="sign-in" onClick={props.onSignIn}>
        {t('session.signIn')}
      </button>
    </div>
  );
}
