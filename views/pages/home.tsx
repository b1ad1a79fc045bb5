// /: what spkey is and a way in for a visitor; for a signed-in person, the places their roles give them (their locks,
// their keys, the key desks and webhooks of the organisations they are staff of, the administration console for a site
// administrator). Links only to pages that exist.
import { Layout } from '../layout'
import { ADMIN_SECTIONS } from '../components/admin'
import { LOCKS_PATH, LOGIN_PATH, MY_KEYS_PATH, orgKeysPath, orgWebhooksPath } from '../paths'

export type StaffOrg = { orgId: string; name: string }

export type HomeView =
  | { signedIn: false; csrfToken: string }
  | { signedIn: true; csrfToken: string; signedInAs: string; isAdmin: boolean; lockCount: number; staffOrgs: StaffOrg[] }

function Welcome(): JSX.Element {
  return (
    <section class="card">
      <h1>spkey</h1>
      <p>
        spkey opens smart locks for the people allowed to: owners manage their locks and hand out temporary keys, organisations hand out
        physical keys and cards, and guests open a door from a shared link.
      </p>
      <p>
        <a href={LOGIN_PATH} class="button">
          Sign in
        </a>
      </p>
    </section>
  )
}

function Administration(): JSX.Element {
  return (
    <section class="card">
      <h2>Administration</h2>
      <ul class="places">
        {ADMIN_SECTIONS.map((entry) => (
          <li>
            <a href={entry.href} safe>
              {entry.label}
            </a>
          </li>
        ))}
      </ul>
    </section>
  )
}

function Dashboard({ lockCount, staffOrgs, isAdmin }: { lockCount: number; staffOrgs: StaffOrg[]; isAdmin: boolean }): JSX.Element {
  return (
    <>
      <section class="card">
        <h1>Start</h1>
        <ul class="places">
          <li>
            <a href={LOCKS_PATH}>
              My locks <span class="count">({lockCount})</span>
            </a>
          </li>
          <li>
            <a href={MY_KEYS_PATH}>My keys</a>
          </li>
        </ul>
      </section>
      {isAdmin ? <Administration /> : ''}
      {staffOrgs.map((org) => (
        <section class="card">
          <h2 safe>{org.name}</h2>
          <ul class="places">
            <li>
              <a href={orgKeysPath(org.orgId)}>Key desk</a>
            </li>
            <li>
              <a href={orgWebhooksPath(org.orgId)}>Webhooks</a>
            </li>
          </ul>
        </section>
      ))}
    </>
  )
}

export function HomePage(view: HomeView): JSX.Element {
  return view.signedIn ? (
    <Layout title="Start" csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin} current="home">
      <Dashboard lockCount={view.lockCount} staffOrgs={view.staffOrgs} isAdmin={view.isAdmin} />
    </Layout>
  ) : (
    <Layout title="Start" csrfToken={view.csrfToken} current="home">
      <Welcome />
    </Layout>
  )
}
