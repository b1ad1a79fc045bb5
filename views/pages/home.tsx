// /: what spkey is and a way in for a visitor; for a signed-in person, the places their roles give them (their locks,
// their keys, the key desks and webhooks of the organisations they are staff of). Links only to pages that exist.
import { Layout } from '../layout'
import { LOCKS_PATH, LOGIN_PATH, MY_KEYS_PATH, orgKeysPath, orgWebhooksPath } from '../paths'

export type StaffOrg = { orgId: string; name: string }

export type HomeView =
  | { signedIn: false; csrfToken: string }
  | { signedIn: true; csrfToken: string; signedInAs: string; lockCount: number; staffOrgs: StaffOrg[] }

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

function Dashboard({ lockCount, staffOrgs }: { lockCount: number; staffOrgs: StaffOrg[] }): JSX.Element {
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
    <Layout title="Start" csrfToken={view.csrfToken} signedInAs={view.signedInAs} current="home">
      <Dashboard lockCount={view.lockCount} staffOrgs={view.staffOrgs} />
    </Layout>
  ) : (
    <Layout title="Start" csrfToken={view.csrfToken} current="home">
      <Welcome />
    </Layout>
  )
}
