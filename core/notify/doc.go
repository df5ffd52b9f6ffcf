// Package notify tells the person, on the desktop and by email, when a
// profile is expiring, expired or disconnected and when a post fails or is
// held, through a persistent outbox in SQLite.
//
// # Events and messages
//
// An Event says what happened to which account (network and @handle), when,
// why, what it affects (posts on hold, the next one's time: the caller
// fills those) and the message adds what to do ("Open SocialOmm → Accounts
// → ⋯ → Update"). Times are shown in Options.Location.
//
// # Outbox
//
// Enqueue writes one row per channel that is on (desktop: notify.desktop;
// email: notify.email and the mail server, sender and recipient set; never
// email for Reconnected) under the event's stable key. A key already in the
// outbox adds nothing, so the same event is delivered once per channel,
// across restarts, however often it is enqueued.
//
// DeliverDue claims the due rows in one transaction (state "sending"),
// sends them and marks them sent; a failure leaves the row pending with a
// backoff (1 min doubling to 1 h) and the failure in plain words for
// Pending. A mail server that is down delays mail and loses none: the rows
// are in SQLite and are retried after a restart too. Delivery is
// at-least-once: a crash between the channel accepting a message and the
// row being marked sent makes it go out again once its claim lease runs out
// (one duplicate, carrying the same Message-ID), rather than be lost.
//
// Lost connections (Disconnected, Expired and their reminders) and expiry
// warnings wait Options.BatchWindow (60 s) before going out; all of one
// channel's lost connections waiting then become one message listing them
// all, and so do its expiry warnings, so a password change that kills
// several profiles, or a hundred profiles connected in one sitting reaching
// their warning day, makes one desktop notification (naming the first
// few) and one email (naming them all).
//
// # How the engine uses it
//
//	n := notify.New(store, settingsService, notify.Options{Clock: clk, Logger: log, IconDir: dataDir})
//	go n.Run(ctx) // in the engine's background loop, until ctx ends
//
// and calls Enqueue when a transition is stored (never for network
// trouble: a network that is down, slow or rate-limiting is not a lost
// connection and produces no notification):
//
//   - an account becomes disconnected: Kind Disconnected (Expired when the
//     reason is account.ReasonExpired), At = when it was lost (the stored
//     time, so a repeat after a restart has the same key), Reason,
//     HeldPosts and NextDue from its queued posts;
//   - on each check of an account that has an end date: Warn with Kind
//     Expiring, ExpiresAt, HeldPosts and NextDue; it queues the warning of
//     the warning day reached (notify.warn_days, 14,7,1), each once
//     (ExpiryWarningDue is the pure rule);
//   - a post is refused: Kind PostFailed with PostID, PostScheduled,
//     PostText, PostError (the network's words) and At = when it failed;
//   - a post comes due while its account is disconnected: Kind PostHeld
//     with the post, At = when the account was lost, Reason, HeldPosts,
//     NextDue;
//   - a lost account works again (Update): Kind Reconnected (desktop only;
//     it also withdraws that account's notices that have not gone out);
//   - on each check of an account that stays lost: Remind with the loss
//     event; reminders go out after 1 day, 3 days, then weekly, each once,
//     unless notify.reminders is off (ReminderDue is the pure rule);
//   - when an account is removed: Withdraw.
//
// Enqueue wakes Run at once in the same process; rows queued by another
// process on the same data folder (a short command) go out on Run's next
// look, within Options.PollInterval (1 min).
//
// SendTest backs `socialomm notify test` and the Settings window's "Send
// test email"; Pending lists what waits and why; RetryNow retries waiting
// mail at once after the mail settings changed.
//
// The SMTP password is read from the keyring only to send, and never
// appears in the outbox, the logs or an error's text.
package notify
