// Package federation connects Parvis to the fediverse over ActivityPub,
// the way Mastodon, GoToSocial and Lemmy expect.
//
// It serves the documents other servers fetch (actors, notes, their
// collections), receives activities in inboxes, and sends activities for
// what local people do. Everything that changes data goes through the use
// cases of package social, so a remote like, follow or post has the same
// effects (notifications, feeds, counters, hooks) as a local one.
//
// Incoming activities are checked in the request: body size and shape
// (ap.Limits), HTTP signature and digest (httpsign), the signer speaking
// only for itself (httpsign.CheckOrigin), domain blocks and a per-server
// rate limit; then they are recorded once by id and queued as durable jobs,
// so the sender gets its 202 at once and nothing is lost on a restart.
// Outgoing activities are built inside the transaction of the change (the
// hooks registered by New), fanned out by a job to one inbox per server
// (shared inboxes), and delivered by jobs that sign each attempt, retry
// with exponential backoff over days, mark unreachable servers and keep a
// per-server concurrency limit.
//
// Every request to another server goes through the SSRF-safe
// outbound.Client and is signed (authorized fetch). Remote media are
// referenced by URL, never downloaded.
package federation
