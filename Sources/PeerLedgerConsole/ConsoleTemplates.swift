import Foundation
import Logging
import Mustache

/// The console's pages as Mustache templates (`{{x}}` escapes HTML, so every value from the
/// ledger or a form is shown as text). `layout` wraps each page's body.
enum ConsoleTemplates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "password": password, "message": message, "dashboard": dashboard,
        "audit": audit, "verify": verify, "exchanges": exchanges, "exchange": exchange, "network": network, "session": session,
        "conflict": conflict, "networkFacts": networkFacts, "routers": routers, "configure": configure, "users": users, "drift": drift,
    ]

    /// The library, parsed once; a template that does not parse is a bug the tests show at once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in all {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("console template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · PeerLedger</title>
        <link rel="stylesheet" href="/console/console.css">
        <script src="/console/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/">PeerLedger</a>
        {{#session}}
        <nav aria-label="Main">
        <a href="/">Dashboard</a> <a href="/exchanges">Exchanges</a> <a href="/routers">Routers</a> <a href="/audit">Audit</a> {{#admin}}<a href="/users">Users</a> {{/admin}}<a href="/password">Password</a>
        </nav>
        <form method="post" action="/logout">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <span>{{user}} ({{role}})</span>
        <button type="submit">Log out</button>
        </form>
        {{/session}}
        </header>
        <main id="main" tabindex="-1" data-refresh="{{refresh}}" data-position="{{position}}">
        {{#asOfControl}}
        <form method="get" class="inline" aria-label="Show this page as of a past moment">
        {{#keep}}<input type="hidden" name="{{name}}" value="{{value}}">{{/keep}}
        <div><label for="as_of">As of (RFC 3339, UTC)</label>
        <input id="as_of" name="as_of" value="{{asOf}}" placeholder="2026-11-20T09:00:00Z"></div>
        <button type="submit" class="secondary">Show</button>
        {{#asOf}}<a href="{{nowLink}}">Back to now</a>{{/asOf}}
        </form>
        {{/asOfControl}}
        {{#asOf}}<p class="banner">Showing the ledger as it was at {{asOf}}.</p>{{/asOf}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let login = """
        <h1>Log in</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/login" class="stacked">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="user">User</label><input id="user" name="user" autocomplete="username" required value="{{user}}"></div>
        <div><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
        <div><button type="submit">Log in</button></div>
        </form>
        """

    static let password = """
        <h1>Change your password</h1>
        {{#mustChange}}<p class="banner">You logged in with a one-time password: choose your own to go on.</p>{{/mustChange}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#done}}<p class="ok">Your password was changed.</p>{{/done}}
        <form method="post" action="/password" class="stacked">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" required></div>
        <div><label for="new">New password (12 to 72 characters)</label><input id="new" name="new" type="password" autocomplete="new-password" required minlength="12"></div>
        <div><label for="repeat">New password again</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" required minlength="12"></div>
        <div><button type="submit">Change password</button></div>
        </form>
        """

    static let message = """
        <h1>{{heading}}</h1>
        <p class="{{kind}}" role="alert">{{text}}</p>
        {{#back}}<p><a href="{{back}}">Back</a></p>{{/back}}
        """

    static let dashboard = """
        <h1>Dashboard</h1>
        <section class="cards" aria-label="Summary">
        <div class="card"><div class="muted">Our network</div><div>{{#own}}{{name}} (AS{{asn}}){{/own}}{{^own}}not set{{/own}}</div></div>
        <div class="card"><div class="muted">Live sessions</div><div class="number">{{liveSessions}}</div></div>
        <div class="card"><div class="muted">Sessions down now</div><div class="number">{{downCount}}</div></div>
        <div class="card"><div class="muted">Requests awaiting an answer</div><div class="number">{{waitingCount}}</div></div>
        <div class="card"><div class="muted">Ledger head</div><div>position {{head.position}}</div><div class="hash" title="hash of the head event">{{head.hash}}</div>{{#lastVerify}}<div class="{{kind}}">Last verified {{at}} by {{user}} (through position {{position}}): {{summary}}</div>{{/lastVerify}}{{^lastVerify}}<div class="muted">Never verified from the console.</div>{{/lastVerify}}<form method="post" action="/audit/verify"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="secondary">Verify the log</button></form></div>
        </section>
        <h2>Exchanges we are at</h2>
        {{#hasExchanges}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Exchange</th><th scope="col">City</th><th scope="col">Live sessions</th></tr></thead><tbody>
        {{#exchanges}}<tr><td><a href="/exchanges/{{id}}{{asOfQuery}}">{{name}}</a></td><td>{{city}}</td><td>{{liveSessions}}</td></tr>{{/exchanges}}
        </tbody></table></div>
        {{/hasExchanges}}
        {{^exchanges}}<p class="muted">No live sessions at any exchange PeeringDB knows.</p>{{/exchanges}}
        <h2>Sessions by state</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">State</th><th scope="col">Sessions</th></tr></thead><tbody>
        {{#states}}<tr><td>{{state}}</td><td>{{count}}</td></tr>{{/states}}
        </tbody></table></div>
        <h2>Sessions down now</h2>
        {{#hasDown}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Session</th><th scope="col">Peer</th><th scope="col">State</th><th scope="col">Since</th><th scope="col">Last error</th></tr></thead><tbody>
        {{#down}}<tr><td><a href="/sessions/{{id}}{{asOfQuery}}">{{id}}</a></td><td>{{peer}}</td><td class="state-down">{{state}}</td><td>{{since}}</td><td>{{why}}</td></tr>{{/down}}
        </tbody></table></div>
        {{#downMore}}<p class="muted">and {{downMore}} more.</p>{{/downMore}}
        {{/hasDown}}
        {{^down}}<p class="muted">No session is down.</p>{{/down}}
        <h2>Requests awaiting an answer (oldest first)</h2>
        {{#hasWaiting}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Request</th><th scope="col">Network</th><th scope="col">Exchange</th><th scope="col">Sent</th><th scope="col">Delivery</th></tr></thead><tbody>
        {{#waiting}}<tr><td>{{id}}</td><td>{{peer}}</td><td>{{exchange}}</td><td>{{created}}</td><td>{{delivery}}</td></tr>{{/waiting}}
        </tbody></table></div>
        {{/hasWaiting}}
        {{^waiting}}<p class="muted">No request is waiting.</p>{{/waiting}}
        <h2>Drift on routers</h2>
        {{#hasRouters}}
        <p class="muted">As the routers' polls recorded it: a poll records the drift it finds whenever it differs from the last recorded.</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">Router</th><th scope="col">Drift</th><th scope="col">Since</th></tr></thead><tbody>
        {{#drift}}<tr><td>{{name}}</td><td>{{> drift}}</td><td>{{since}}</td></tr>{{/drift}}
        </tbody></table></div>
        {{/hasRouters}}
        {{^drift}}<p class="muted">No router is registered.</p>{{/drift}}
        """

    /// One router's recorded drift (`Console.driftRow`), on the dashboard and the routers page.
    static let drift = """
        {{#none}}<span class="muted">none recorded</span>{{/none}}{{^none}}<ul class="drift">{{#items}}<li>{{#session}}<a href="/sessions/{{session}}{{asOfQuery}}">session {{session}}</a> {{/session}}{{text}}</li>{{/items}}</ul>{{/none}}
        """

    static let audit = """
        <h1>Audit</h1>
        <form method="get" action="/audit" class="inline" aria-label="Filter the log">
        <div><label for="actor">Actor</label><input id="actor" name="actor" value="{{filters.actor}}" placeholder="user:alice"></div>
        <div><label for="type">Type</label><input id="type" name="type" value="{{filters.type}}" placeholder="SessionStateObserved"></div>
        <div><label for="stream">Stream</label><input id="stream" name="stream" value="{{filters.stream}}" placeholder="session-1"></div>
        <div><label for="since">Since</label><input id="since" name="since" value="{{filters.since}}" placeholder="2026-11-20T00:00:00Z"></div>
        <div><label for="as_of">As of</label><input id="as_of" name="as_of" value="{{filters.asOf}}" placeholder="2026-11-21T00:00:00Z"></div>
        <button type="submit">Filter</button> <a href="/audit">Clear</a>
        </form>
        <form method="post" action="/audit/verify" class="inline"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="secondary">Verify the hash chain</button></form>
        <p class="muted">{{summary}}</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">Position</th><th scope="col">Recorded</th><th scope="col">Actor</th><th scope="col">Type</th><th scope="col">Stream</th><th scope="col">Detail</th></tr></thead><tbody>
        {{#events}}<tr><td>{{position}}</td><td>{{recordedAt}}</td><td>{{actor}}</td><td>{{type}}</td><td>{{stream}}</td>
        <td><details><summary>payload and hash</summary><pre>{{payload}}</pre><div>metadata: <code>{{metadata}}</code></div><div>hash: <span class="hash">{{hash}}</span></div><div>previous: <span class="hash">{{prevHash}}</span></div></details></td></tr>{{/events}}
        </tbody></table></div>
        {{^events}}<p class="muted">No event matches.</p>{{/events}}
        {{#older}}<p><a href="{{older}}">Next page</a></p>{{/older}}
        """

    static let verify = """
        <h1>Verify the log</h1>
        {{#report}}
        <p class="{{kind}}" role="status">{{summary}}</p>
        <dl><dt>Events</dt><dd>{{events}}</dd><dt>Last hash</dt><dd class="hash">{{lastHash}}</dd></dl>
        <p class="muted">This verify is recorded in the log (LogVerified) under your name.</p>
        {{/report}}
        {{^report}}
        {{#lastVerify}}<p class="{{kind}}">Last verified {{at}} by {{user}} (through position {{position}}): {{summary}}</p>{{/lastVerify}}
        {{^lastVerify}}<p class="muted">Never verified from the console.</p>{{/lastVerify}}
        <form method="post" action="/audit/verify"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit">Verify the hash chain now</button></form>
        {{/report}}
        <p><a href="/audit">Back to the audit log</a></p>
        """

    static let exchanges = """
        <h1>Exchanges</h1>
        <div class="table-wrap"><table><thead><tr><th scope="col">Id</th><th scope="col">Exchange</th><th scope="col">City</th><th scope="col">Country</th><th scope="col">Live sessions</th></tr></thead><tbody>
        {{#items}}<tr><td>{{id}}</td><td><a href="/exchanges/{{id}}{{asOfQuery}}">{{name}}</a></td><td>{{city}}</td><td>{{country}}</td><td>{{liveSessions}}</td></tr>{{/items}}
        </tbody></table></div>
        {{^items}}<p class="muted">PeeringDB has not been imported yet (peerledger peeringdb sync).</p>{{/items}}
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        """

    static let exchange = """
        <h1>{{name}}</h1>
        <p class="muted">Exchange {{id}}{{#city}} · {{city}}{{/city}}{{#country}}, {{country}}{{/country}} · {{liveSessions}} live sessions of ours</p>
        <form method="get" class="inline" aria-label="Filter the members">
        {{#asOf}}<input type="hidden" name="as_of" value="{{asOf}}">{{/asOf}}
        <div><label for="name">Name contains</label><input id="name" name="name" value="{{filters.name}}"></div>
        <div><label for="asn">ASN</label><input id="asn" name="asn" value="{{filters.asn}}" inputmode="numeric"></div>
        <div><label for="status">Our status</label><select id="status" name="status">
        {{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}
        </select></div>
        <button type="submit">Filter</button>
        </form>
        <p class="muted">{{shown}} of {{total}} members</p>
        <div class="table-wrap"><table><thead><tr><th scope="col">Network</th><th scope="col">ASN</th><th scope="col">Policy</th><th scope="col">Our status</th><th scope="col">Request</th><th scope="col"></th></tr></thead><tbody>
        {{#members}}<tr><td><a href="/networks/{{netID}}">{{name}}</a></td><td>{{asn}}</td><td>{{policy}}</td><td>{{status}}</td><td>{{request}}</td><td><a href="/exchanges/{{exchange}}/networks/{{netID}}">Request or add sessions</a></td></tr>{{/members}}
        </tbody></table></div>
        {{^members}}<p class="muted">No member matches.</p>{{/members}}
        """

    static let network = """
        <h1><a href="/networks/{{netID}}">{{name}}</a> (AS{{asn}}) at {{exchangeName}}</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{#notice}}<p class="ok" role="status">{{notice}}</p>{{/notice}}
        <p>Our status: <strong>{{status}}</strong>{{#policy}} · their policy: {{policy}}{{/policy}}</p>
        <h2>Their addresses here</h2>
        <ul>{{#theirs}}<li><code>{{.}}</code></li>{{/theirs}}</ul>
        {{^theirs}}<p class="muted">PeeringDB lists no address of theirs here.</p>{{/theirs}}
        <h2>Sessions with them here</h2>
        <ul>{{#sessions}}<li><a href="/sessions/{{id}}">Session {{id}}</a>: {{source}} ↔ {{peer}}, {{state}}</li>{{/sessions}}</ul>
        {{^sessions}}<p class="muted">None yet.</p>{{/sessions}}
        {{^own}}<p class="banner">Our own network is not set, so no request can be sent and no session pre-filled.</p>{{/own}}
        {{#own}}
        <h2>Send a peering request</h2>
        <form method="post" action="/exchanges/{{exchange}}/networks/{{netID}}/request" class="stacked">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="email_from">From</label><input id="email_from" name="email_from" required value="{{mail.from}}" placeholder="peering@example.net"></div>
        <div><label for="email_to">To</label><input id="email_to" name="email_to" required value="{{mail.to}}"></div>
        <div><label for="subject">Subject</label><input id="subject" name="subject" required value="{{mail.subject}}"></div>
        <div><label for="body">Message</label><textarea id="body" name="body">{{mail.body}}</textarea></div>
        <div><button type="submit" name="mode" value="send">Send request</button> <button type="submit" name="mode" value="preview" class="secondary">Preview the mail</button></div>
        </form>
        {{#preview}}<h3>The mail as it would be sent (nothing was sent)</h3><pre>{{preview}}</pre>{{/preview}}
        <h2>Add sessions</h2>
        {{#pairs}}
        <form method="post" action="/exchanges/{{exchange}}/networks/{{netID}}/sessions" class="inline" aria-label="Add the {{family}} session">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="source_ipaddr_{{index}}">Our address ({{family}})</label><input id="source_ipaddr_{{index}}" name="source_ipaddr" value="{{ours}}" required></div>
        <div><label for="peer_ipaddr_{{index}}">Their address</label><input id="peer_ipaddr_{{index}}" name="peer_ipaddr" value="{{theirs}}" required></div>
        <div><label for="resource_id_{{index}}">Router id</label><input id="resource_id_{{index}}" name="resource_id" value="{{router}}" inputmode="numeric"></div>
        <div><label for="peer_group_{{index}}">Peer group</label><input id="peer_group_{{index}}" name="peer_group" value=""></div>
        <div><label for="prfx_max_{{index}}">Max prefixes</label><input id="prfx_max_{{index}}" name="prfx_max" value="" inputmode="numeric"></div>
        <button type="submit">Add {{family}} session</button>
        </form>
        {{/pairs}}
        {{^pairs}}<p class="muted">PeeringDB gives no pair of addresses (ours and theirs, same family) at this exchange.</p>{{/pairs}}
        {{/own}}
        <p><a href="/exchanges/{{exchange}}">Back to {{exchangeName}}</a></p>
        """

    static let session = """
        <h1>Session {{id}}{{#deleted}} (deleted){{/deleted}}</h1>
        {{#notice}}<p class="ok" role="status">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <div class="table-wrap"><table><tbody>
        {{#fields}}<tr><th scope="row">{{name}}</th><td>{{value}}</td></tr>{{/fields}}
        <tr><th scope="row">version</th><td>{{version}}</td></tr>
        </tbody></table></div>
        {{^asOf}}{{^deleted}}
        <h2>Edit</h2>
        <form method="post" action="/sessions/{{id}}" class="stacked">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <input type="hidden" name="version" value="{{version}}">
        {{#editable}}<div><label for="f_{{name}}">{{name}}</label><input id="f_{{name}}" name="{{name}}" value="{{value}}"></div>{{/editable}}
        <div><button type="submit">Save</button></div>
        </form>
        {{#router}}
        <h2>Configure on {{router}}</h2>
        <form method="post" action="/sessions/{{id}}/configure" class="inline">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="mode">What to do</label><select id="mode" name="mode"><option value="preview">Preview (dry run)</option><option value="push">Push to the router</option></select></div>
        <button type="submit">Go</button>
        </form>
        {{/router}}
        {{/deleted}}{{/asOf}}
        <h2>BGP state timeline</h2>
        {{#hasTimeline}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Observed</th><th scope="col">State</th><th scope="col">Prefixes received</th><th scope="col">Error</th></tr></thead><tbody>
        {{#timeline}}<tr><td>{{at}}</td><td class="{{css}}">{{state}}</td><td>{{prefixes}}</td><td>{{why}}</td></tr>{{/timeline}}
        </tbody></table></div>
        {{/hasTimeline}}
        {{^timeline}}<p class="muted">No state observed yet.</p>{{/timeline}}
        {{#prefixChart}}<h2>Prefixes received over time</h2>{{{prefixChart}}}{{/prefixChart}}
        <h2>Configuration history</h2>
        {{#configurations}}<details><summary>{{recordedAt}} · {{operation}} by {{actor}}</summary><pre>{{diff}}</pre></details>{{/configurations}}
        {{^configurations}}<p class="muted">Never pushed to a router.</p>{{/configurations}}
        <h2>History</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Position</th><th scope="col">Recorded</th><th scope="col">Actor</th><th scope="col">Type</th></tr></thead><tbody>
        {{#history}}<tr><td>{{position}}</td><td>{{recordedAt}}</td><td>{{actor}}</td><td>{{type}}</td></tr>{{/history}}
        </tbody></table></div>
        <p><a href="/audit?stream=session-{{id}}">Session {{id}} in the audit log</a></p>
        """

    static let conflict = """
        <h1>Session {{id}} changed while you edited it</h1>
        <p class="error" role="alert">You edited version {{yourVersion}}; the ledger is at version {{currentVersion}}. Nothing was saved. Compare, then edit again.</p>
        <div class="side-by-side">
        <section aria-label="Your version"><h2>Yours (from version {{yourVersion}})</h2><table><tbody>{{#yours}}<tr><th scope="row">{{name}}</th><td>{{value}}</td></tr>{{/yours}}</tbody></table></section>
        <section aria-label="Current version"><h2>Current (version {{currentVersion}})</h2><table><tbody>{{#current}}<tr><th scope="row">{{name}}</th><td>{{value}}</td></tr>{{/current}}</tbody></table></section>
        </div>
        <p><a href="/sessions/{{id}}">Edit the current version</a></p>
        """

    static let networkFacts = """
        <h1>{{name}} (AS{{asn}})</h1>
        <h2>Sessions at each exchange we share</h2>
        {{#exchanges}}
        <h3><a href="/exchanges/{{id}}/networks/{{netID}}">{{name}}</a></h3>
        <p class="muted">ours: {{ours}} · theirs: {{theirs}}</p>
        <ul>{{#sessions}}<li><a href="/sessions/{{id}}">Session {{id}}</a>: {{peer}}, {{state}}</li>{{/sessions}}</ul>
        {{^sessions}}<p class="muted">No session here.</p>{{/sessions}}
        {{/exchanges}}
        {{^exchanges}}<p class="muted">We share no exchange with them (or our network is not set).</p>{{/exchanges}}
        <h2>Communications</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Time</th><th scope="col">Exchange</th><th scope="col">What</th></tr></thead><tbody>
        {{#timeline}}<tr><td>{{time}}</td><td>{{exchange}}</td><td>{{message}}</td></tr>{{/timeline}}
        </tbody></table></div>
        {{^timeline}}<p class="muted">Nothing yet.</p>{{/timeline}}
        <h2>Contacts (PeeringDB)</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Role</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Phone</th></tr></thead><tbody>
        {{#contacts}}<tr><td>{{role}}</td><td>{{name}}</td><td>{{email}}</td><td>{{phone}}</td></tr>{{/contacts}}
        </tbody></table></div>
        <h2>PeeringDB record</h2>
        <div class="table-wrap"><table><tbody>
        {{#facts}}<tr><th scope="row">{{name}}</th><td>{{value}}</td></tr>{{/facts}}
        </tbody></table></div>
        <h2>Changes of the record</h2>
        <div class="table-wrap"><table><thead><tr><th scope="col">Recorded</th><th scope="col">Field</th><th scope="col">Was</th><th scope="col">Became</th></tr></thead><tbody>
        {{#changes}}<tr><td>{{recordedAt}}</td><td>{{field}}</td><td>{{from}}</td><td>{{to}}</td></tr>{{/changes}}
        </tbody></table></div>
        """

    static let routers = """
        <h1>Routers</h1>
        {{#report}}<h2>Poll report</h2><pre role="status">{{report}}</pre>{{/report}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Platform</th><th scope="col">Access</th><th scope="col">Live sessions</th><th scope="col">Configured on it</th><th scope="col">Established</th><th scope="col">Down</th><th scope="col">Last push</th><th scope="col">Drift recorded</th><th scope="col">Poll</th></tr></thead><tbody>
        {{#routers}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{platform}}</td><td>{{access}}</td><td>{{live}}</td><td>{{onRouter}}</td><td>{{established}}</td><td>{{down}}</td><td>{{lastPush}}</td>
        <td>{{#drift}}{{> drift}}{{/drift}}</td>
        <td><form method="post" action="/routers/{{id}}/poll"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="secondary" aria-label="Poll {{name}} now">Poll now</button></form></td></tr>{{/routers}}
        </tbody></table></div>
        {{^routers}}<p class="muted">No router is registered (peerledger routers add).</p>{{/routers}}
        """

    static let users = """
        <h1>Users</h1>
        {{#notice}}<p class="ok" role="status">{{notice}}</p>{{/notice}}
        {{#issued}}<div class="ok" role="status"><p>User <strong>{{user}}</strong> ({{role}}) was created. Their one-time password, shown only now, to change at first login:</p><pre>{{password}}</pre></div>{{/issued}}
        <div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Disable</th></tr></thead><tbody>
        {{#users}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{created}}</td><td>{{status}}</td>
        <td>{{#canDisable}}<form method="post" action="/users/{{name}}/disable"><input type="hidden" name="csrf_token" value="{{csrf}}"><button type="submit" class="secondary" aria-label="Disable {{name}}">Disable</button></form>{{/canDisable}}</td></tr>{{/users}}
        </tbody></table></div>
        <h2>Create a user</h2>
        <form method="post" action="/users" class="stacked">
        <input type="hidden" name="csrf_token" value="{{csrf}}">
        <div><label for="name">Name</label><input id="name" name="name" required maxlength="64" autocomplete="off"></div>
        <div><label for="role">Role</label><select id="role" name="role">{{#roles}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/roles}}</select></div>
        <div><button type="submit">Create</button></div>
        </form>
        """

    static let configure = """
        <h1>Configure session {{id}} on {{router}}</h1>
        <p class="ok" role="status">{{outcome}}</p>
        <h2>Configuration ({{platform}})</h2>
        <pre>{{config}}</pre>
        {{#diff}}<h2>Against the running configuration</h2><pre>{{diff}}</pre>{{/diff}}
        {{#unavailable}}<p class="banner">{{unavailable}}</p>{{/unavailable}}
        <p><a href="/sessions/{{id}}">Back to session {{id}}</a></p>
        """
}
