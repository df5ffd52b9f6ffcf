package notify

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// Settings is what the service reads from the settings; *settings.Service
// is one.
type Settings interface {
	Get(ctx context.Context, key string) (string, error)
	Secret(ctx context.Context, key string) (string, error)
}

// Options tune a Service. Zero values get the defaults in brackets.
type Options struct {
	Clock    clock.Clock    // [clock.Real]
	Logger   *slog.Logger   // [discard]
	Location *time.Location // the person's zone for times in messages [time.Local]
	Desktop  Desktop        // [BeeepDesktop writing its icon to IconDir]
	Mailer   Mailer         // [SMTPMailer]
	// NetworkTitle is a network's name as people write it, from the
	// network catalog [the key with a capital].
	NetworkTitle func(network string) string
	// IconDir is where the default Desktop writes the app icon (the data
	// folder) [a folder under the system's temp folder].
	IconDir string
	// BatchWindow is how long a lost connection's notice waits for others
	// lost with it, so they make one message [60 s]. Negative: no waiting.
	BatchWindow time.Duration
	// RetryMin and RetryMax bound the backoff after a failed send: RetryMin,
	// doubling, capped at RetryMax [1 min, 1 h].
	RetryMin, RetryMax time.Duration
	// ClaimLease is how long a claimed row may stay "sending" before it is
	// taken as abandoned (the app stopped mid-send) and sent again [5 min].
	ClaimLease time.Duration
	// SendTimeout bounds one desktop notification or one email [45 s].
	SendTimeout time.Duration
	// PollInterval is the longest Run sleeps without looking at the outbox
	// [1 min].
	PollInterval time.Duration
	// DesktopMaxAge is how long a desktop notification that cannot be
	// shown (no notification service) keeps being retried before it is
	// dropped: stale pop-ups help nobody; email is never dropped [24 h].
	DesktopMaxAge time.Duration
	// Secrets holds the webhooks' signing secrets [the OS keyring].
	Secrets secret.Store
	// HTTPClient posts to webhooks; it must not follow redirects [30 s
	// timeout, no redirects].
	HTTPClient *http.Client
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Desktop == nil {
		o.Desktop = &BeeepDesktop{IconDir: o.IconDir}
	}
	if o.Mailer == nil {
		o.Mailer = &SMTPMailer{Now: o.Clock.Now}
	}
	if o.BatchWindow == 0 {
		o.BatchWindow = time.Minute
	}
	if o.BatchWindow < 0 {
		o.BatchWindow = 0
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Minute
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.ClaimLease <= 0 {
		o.ClaimLease = 5 * time.Minute
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 45 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Minute
	}
	if o.DesktopMaxAge <= 0 {
		o.DesktopMaxAge = 24 * time.Hour
	}
	if o.Secrets == nil {
		o.Secrets = secret.NewKeyring()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a POST turned into a GET elsewhere helps nobody
		}}
	}
	return o
}

// Service is the notification outbox and its delivery.
type Service struct {
	store    *store.Store
	settings Settings
	opts     Options
	clock    clock.Clock
	log      *slog.Logger
	wake     chan struct{}
}

// New makes the service on an open store. It does no I/O.
func New(st *store.Store, cfg Settings, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{
		store:    st,
		settings: cfg,
		opts:     opts,
		clock:    opts.Clock,
		log:      opts.Logger,
		wake:     make(chan struct{}, 1),
	}
}

func (s *Service) renderer(now time.Time) renderer {
	return renderer{loc: s.opts.Location, now: now, title: s.opts.NetworkTitle}
}

// poke wakes Run to deliver what was just queued.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) on(ctx context.Context, key string) (bool, error) {
	v, err := s.settings.Get(ctx, key)
	return v == "on", err
}

// ErrEmailNotSetUp means the mail server, sender or recipient is missing.
var ErrEmailNotSetUp = errors.New("email is not set up")

// missingEmail names the email settings that are still empty.
func (s *Service) missingEmail(ctx context.Context) ([]string, error) {
	var missing []string
	for _, k := range []struct{ key, label string }{
		{"smtp.host", "mail server (smtp.host)"},
		{"email.from", "sender (email.from)"},
		{"email.to", "recipient (email.to)"},
	} {
		v, err := s.settings.Get(ctx, k.key)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(v) == "" {
			missing = append(missing, k.label)
		}
	}
	return missing, nil
}

// EmailSetUp reports whether the mail server, sender and recipient are set.
func (s *Service) EmailSetUp(ctx context.Context) (bool, error) {
	missing, err := s.missingEmail(ctx)
	return err == nil && len(missing) == 0, err
}

// mailConfig reads the SMTP settings, the password from the keyring.
func (s *Service) mailConfig(ctx context.Context) (MailConfig, error) {
	missing, err := s.missingEmail(ctx)
	if err != nil {
		return MailConfig{}, err
	}
	if len(missing) > 0 {
		return MailConfig{}, fmt.Errorf("%w: fill in the %s in Settings → Email", ErrEmailNotSetUp, strings.Join(missing, ", "))
	}
	get := func(key string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = s.settings.Get(ctx, key)
		return strings.TrimSpace(v)
	}
	cfg := MailConfig{Host: get("smtp.host"), Security: get("smtp.security"), Username: get("smtp.username"), From: get("email.from")}
	port, to := get("smtp.port"), get("email.to")
	if err != nil {
		return cfg, err
	}
	if cfg.Port, err = strconv.Atoi(port); err != nil {
		return cfg, fmt.Errorf("the mail server port %q is not a number", port)
	}
	list, perr := netmail.ParseAddressList(to)
	if perr != nil {
		return cfg, fmt.Errorf("the recipient %q is not an email address", to)
	}
	for _, a := range list {
		cfg.To = append(cfg.To, a.String())
	}
	if cfg.Username != "" {
		// The password is only read when it is needed: reading the
		// keyring may prompt to unlock it.
		if cfg.Password, err = s.settings.Secret(ctx, "smtp.password"); err != nil {
			return cfg, fmt.Errorf("could not read the mail password from the keyring: %w", err)
		}
	}
	return cfg, nil
}

// channels says where an event of this kind goes now: the desktop, each
// webhook that wants it, email.
func (s *Service) channels(ctx context.Context, kind Kind) ([]Channel, error) {
	var out []Channel
	desktop, err := s.on(ctx, "notify.desktop")
	if err != nil {
		return nil, err
	}
	if desktop {
		out = append(out, ChannelDesktop)
	}
	hooks, err := s.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range hooks {
		if w.Wants(kind) {
			out = append(out, w.Channel())
		}
	}
	if kind == Reconnected {
		return out, nil
	}
	email, err := s.on(ctx, "notify.email")
	if err != nil {
		return nil, err
	}
	if email {
		ok, err := s.EmailSetUp(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ChannelEmail)
		}
	}
	return out, nil
}

// Enqueue records an event in the outbox: one row per channel that is on
// (desktop when notify.desktop is on; email when notify.email is on and
// email is set up; never email for Reconnected). The rows' key is
// ev.EventKey(), and an event whose key is already in the outbox adds
// nothing, so calling Enqueue again for the same transition (after a
// restart, on the next check) is safe. It returns the channels that got a
// new row and wakes Run.
//
// A Reconnected event also withdraws the account's notices that have not
// gone out yet (lost, expiring, held posts): they are no longer true.
func (s *Service) Enqueue(ctx context.Context, ev Event) ([]Channel, error) {
	queued, err := s.enqueue(ctx, []Event{ev})
	if err != nil {
		return nil, err
	}
	return queued[0], nil
}

// EnqueueAll is Enqueue for several events at once, in one transaction: a
// sweep that finds hundreds of warnings due pays one flush, not one each.
// It returns each event's channels, in order; on an error nothing is
// queued.
func (s *Service) EnqueueAll(ctx context.Context, evs []Event) ([][]Channel, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	return s.enqueue(ctx, evs)
}

// pendingEvent is an event made ready for the outbox: its key, channels
// and payload.
type pendingEvent struct {
	ev        Event
	chans     []Channel
	payload   []byte
	acct      any
	batchNext time.Time
}

func (s *Service) enqueue(ctx context.Context, evs []Event) ([][]Channel, error) {
	now := s.clock.Now()
	ready := make([]pendingEvent, len(evs))
	// The settings are read once per kind, not once per event: a sweep's
	// hundreds of warnings all go where the first one goes.
	byKind := map[Kind][]Channel{}
	for i, ev := range evs {
		if err := ev.validate(); err != nil {
			return nil, err
		}
		chans, ok := byKind[ev.Kind]
		if !ok {
			var err error
			if chans, err = s.channels(ctx, ev.Kind); err != nil {
				return nil, fmt.Errorf("read the notification settings: %w", err)
			}
			byKind[ev.Kind] = chans
		}
		ev.Key = ev.EventKey()
		payload, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		p := pendingEvent{ev: ev, chans: chans, payload: payload, batchNext: now}
		if ev.Profile.AccountID != 0 {
			p.acct = ev.Profile.AccountID
		}
		if ev.batch() != "" && !strings.HasPrefix(ev.batch(), postBatchPrefix) {
			p.batchNext = now.Add(s.opts.BatchWindow)
		}
		ready[i] = p
	}
	r := s.renderer(now)
	queued := make([][]Channel, len(ready))
	withdrawn := make([]int64, len(ready))
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		for i, p := range ready {
			var err error
			if queued[i], withdrawn[i], err = s.insertTx(ctx, tx, p, now, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue the notification: %w", err)
	}
	poke := false
	for i, p := range ready {
		if withdrawn[i] > 0 {
			s.log.Info("notifications withdrawn: the connection is back", "account", p.ev.Profile.AccountID, "rows", withdrawn[i])
		}
		if len(queued[i]) > 0 {
			s.log.Info("notification queued", "key", p.ev.Key, "channels", fmt.Sprint(queued[i]))
			poke = true
		}
	}
	if poke {
		s.poke()
	}
	return queued, nil
}

// insertTx writes one event's outbox rows in tx, one per channel, and
// returns the channels that got a new row and how many rows a Reconnected
// event withdrew.
func (s *Service) insertTx(ctx context.Context, tx *sql.Tx, p pendingEvent, now time.Time, r renderer) ([]Channel, int64, error) {
	ev := p.ev
	var queued []Channel
	var withdrawn int64
	if ev.Kind == Reconnected && ev.Profile.AccountID != 0 {
		n, err := withdrawTx(ctx, tx, ev.Profile.AccountID, now)
		if err != nil {
			return nil, 0, err
		}
		withdrawn = n
	}
	for _, ch := range p.chans {
		next := p.batchNext
		if strings.HasPrefix(ev.batch(), postBatchPrefix) {
			var err error
			if next, err = s.postNoticeDue(ctx, tx, ch, ev.batch(), now); err != nil {
				return nil, 0, err
			}
		}
		m := r.render(ev, ch)
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox (event_key, channel, subject, body_text, body_html,
			state, attempts, next_attempt_at, last_error, created_at, kind, account_id, batch, event)
			VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, '', ?, ?, ?, ?, ?)
			ON CONFLICT (event_key, channel) DO NOTHING`,
			ev.Key, string(ch), m.Title, m.Text, m.HTML, next.Unix(), now.Unix(),
			string(ev.Kind), p.acct, ev.batch(), string(p.payload))
		if err != nil {
			return nil, 0, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			queued = append(queued, ch)
		}
	}
	return queued, withdrawn, nil
}

// postNoticeDue is when a post notice for a channel may go out: at once,
// unless a message of its batch went out less than BatchWindow ago; then
// when that window ends, with every other notice of the batch waiting by
// then. So a burst of post trouble makes one message per minute per
// channel, and the first one is not delayed.
func (s *Service) postNoticeDue(ctx context.Context, tx *sql.Tx, ch Channel, batch string, now time.Time) (time.Time, error) {
	var last sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT max(coalesce(sent_at, claimed_at)) FROM outbox
		WHERE channel = ? AND batch = ? AND state IN ('sent', 'sending')`, string(ch), batch).Scan(&last)
	if err != nil || !last.Valid {
		return now, err
	}
	if next := time.Unix(last.Int64, 0).Add(s.opts.BatchWindow); next.After(now) {
		return next, nil
	}
	return now, nil
}

// Remind queues the reminder that is due now about a connection that stays
// lost, if one is due and reminders are on (notify.reminders). ev is the
// loss as it was first told (Kind Disconnected or Expired, At the moment it
// was lost) with today's affected posts. Call it on every check of a lost
// account: each reminder has its own key (reminder:<account>:<since>:<n>),
// so it goes out once however often Remind is called.
func (s *Service) Remind(ctx context.Context, ev Event) ([]Channel, error) {
	if ev.Kind != Disconnected && ev.Kind != Expired {
		return nil, fmt.Errorf("%w: reminders are about lost connections, not %s", ErrInvalidEvent, ev.Kind)
	}
	on, err := s.on(ctx, "notify.reminders")
	if err != nil || !on {
		return nil, err
	}
	n, due := ReminderDue(ev.At, s.clock.Now())
	if !due {
		return nil, nil
	}
	ev.Reminder, ev.Key = n, ""
	return s.Enqueue(ctx, ev)
}

// Warn queues the expiry warning that is due now for a connection, if one
// is: ev is Kind Expiring with ExpiresAt and the posts it affects; At
// defaults to now. Call it on every check of a connection that has an end
// date: each warning day in notify.warn_days (14,7,1) is told once.
func (s *Service) Warn(ctx context.Context, ev Event) ([]Channel, error) {
	days, err := s.WarnDays(ctx)
	if err != nil {
		return nil, err
	}
	ev, due, err := s.warning(ev, days)
	if err != nil || !due {
		return nil, err
	}
	return s.Enqueue(ctx, ev)
}

// WarnAll is Warn for many connections at once (a sweep's batch): the
// warnings due are queued in one transaction.
func (s *Service) WarnAll(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	days, err := s.WarnDays(ctx)
	if err != nil {
		return err
	}
	var due []Event
	for _, ev := range evs {
		ev, ok, err := s.warning(ev, days)
		if err != nil {
			return err
		}
		if ok {
			due = append(due, ev)
		}
	}
	_, err = s.EnqueueAll(ctx, due)
	return err
}

// WarnDays is notify.warn_days: the days before the end a warning goes out.
func (s *Service) WarnDays(ctx context.Context) ([]int, error) {
	v, err := s.settings.Get(ctx, "notify.warn_days")
	if err != nil {
		return nil, err
	}
	var days []int
	for _, part := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(part)); err == nil {
			days = append(days, n)
		}
	}
	return days, nil
}

// warning is ev as the warning due now on days, if one is.
func (s *Service) warning(ev Event, days []int) (Event, bool, error) {
	if ev.Kind != Expiring || ev.ExpiresAt.IsZero() {
		return ev, false, fmt.Errorf("%w: Warn takes an Expiring event with ExpiresAt", ErrInvalidEvent)
	}
	now := s.clock.Now()
	day, due := ExpiryWarningDue(ev.ExpiresAt, now, days)
	if !due {
		return ev, false, nil
	}
	if ev.At.IsZero() {
		ev.At = now
	}
	ev.DaysLeft, ev.Key = day, ""
	return ev, true, nil
}

// Withdraw drops an account's notices that have not gone out yet (lost,
// expiring, held posts), for when the account is reconnected or removed.
// Failed-post notices stay. It returns how many rows it dropped.
func (s *Service) Withdraw(ctx context.Context, accountID int64) (int, error) {
	var n int64
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = withdrawTx(ctx, tx, accountID, s.clock.Now())
		return err
	})
	return int(n), err
}

// RetryNow makes mail and webhook alerts that wait after a failure due at once, for when
// the person has just changed the mail settings. It returns how many.
func (s *Service) RetryNow(ctx context.Context) (int, error) {
	res, err := s.store.DB().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?
		WHERE state = 'pending' AND (channel = 'email' OR channel LIKE 'webhook:%') AND attempts > 0`, s.clock.Now().Unix())
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		s.poke()
	}
	return int(n), nil
}

// Waiting is a notification not sent yet, and why.
type Waiting struct {
	ID          int64
	Channel     Channel
	Kind        Kind
	Subject     string
	Queued      time.Time
	Attempts    int
	NextAttempt time.Time
	// LastError is the last failure in plain words; empty if none yet.
	LastError string
	// Why says in a sentence why it is waiting.
	Why string
}

// Pending lists the notifications not sent yet, oldest first, with why
// they wait; the Settings window shows the email ones.
func (s *Service) Pending(ctx context.Context) ([]Waiting, error) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT id, channel, kind, batch, subject, state, attempts,
		next_attempt_at, last_error, created_at FROM outbox WHERE state IN ('pending', 'sending')
		ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.clock.Now()
	r := s.renderer(now)
	var out []Waiting
	for rows.Next() {
		var w Waiting
		var ch, kind, batch, state string
		var next, created int64
		if err := rows.Scan(&w.ID, &ch, &kind, &batch, &w.Subject, &state, &w.Attempts, &next, &w.LastError, &created); err != nil {
			return nil, err
		}
		w.Channel, w.Kind = Channel(ch), Kind(kind)
		w.Queued, w.NextAttempt = time.Unix(created, 0), time.Unix(next, 0)
		switch {
		case state == "sending":
			w.Why = "Being sent now."
		case w.Attempts == 0 && batch == lossBatch && w.NextAttempt.After(now):
			w.Why = "Held until " + r.near(w.NextAttempt, now) + " so that other connections lost at the same time go in the same message."
		case w.Attempts == 0 && batch == expiringBatch && w.NextAttempt.After(now):
			w.Why = "Held until " + r.near(w.NextAttempt, now) + " so that other connections expiring at the same time go in the same message."
		case w.Attempts == 0 && strings.HasPrefix(batch, postBatchPrefix) && w.NextAttempt.After(now):
			w.Why = "Held until " + r.near(w.NextAttempt, now) + " so that other posts in the same trouble go in the same message."
		case w.Attempts == 0:
			w.Why = "Waiting to be sent."
		default:
			w.Why = fmt.Sprintf("Not sent yet: %s Tried %s; next try at %s.", strings.TrimSpace(w.LastError),
				plural(w.Attempts, "time", "times"), r.near(w.NextAttempt, now))
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// SendTest sends one desktop notification and one email now, outside the
// outbox, whatever notify.desktop and notify.email say, and returns each
// result: nil, or what went wrong in plain words (the mail server's own
// words included).
func (s *Service) SendTest(ctx context.Context) (desktopErr, emailErr error) {
	return s.SendTestDesktop(ctx), s.SendTestEmail(ctx)
}

// SendTestDesktop shows the test notification.
func (s *Service) SendTestDesktop(ctx context.Context) error {
	m := s.renderer(s.clock.Now()).renderTest(ChannelDesktop)
	ctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	return s.opts.Desktop.Notify(ctx, m.Title, m.Text)
}

// SendTestEmail sends the test email with the saved settings.
func (s *Service) SendTestEmail(ctx context.Context) error {
	cfg, err := s.mailConfig(ctx)
	if err != nil {
		return err
	}
	m := s.renderer(s.clock.Now()).renderTest(ChannelEmail)
	ctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	if err := s.opts.Mailer.Send(ctx, cfg, m); err != nil {
		return errors.New(scrub(err.Error(), cfg.Password))
	}
	return nil
}

// messageID is a Message-ID made of the rows' keys: the same rows always
// make the same ID.
func messageID(keys []string, from string) string {
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	domain := "socialomm.invalid"
	if a, err := netmail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
			domain = a.Address[i+1:]
		}
	}
	return "socialomm." + hex.EncodeToString(h.Sum(nil))[:32] + "@" + domain
}
