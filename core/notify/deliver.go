package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// row is one outbox row claimed for sending.
type row struct {
	id       int64
	key      string
	channel  Channel
	batch    string
	msg      Message
	event    string
	attempts int
	created  time.Time
}

func withdrawTx(ctx context.Context, tx *sql.Tx, accountID int64, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'cancelled', claimed_at = NULL,
		last_error = 'Not sent: the connection was working again before it went out.'
		WHERE account_id = ? AND state = 'pending' AND kind IN ('disconnected', 'expired', 'expiring', 'post_held')`,
		accountID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// due is the condition of a row that may be sent now: pending and due, or
// claimed so long ago that the claimer must have stopped mid-send.
const due = `((state = 'pending' AND next_attempt_at <= :now) OR (state = 'sending' AND claimed_at <= :stale))`

// claim takes every row due at now, in one transaction, marking each
// "sending" so that no other deliverer takes it. When a batched row (a lost
// connection, an expiry warning) of a channel is due, the rows of the same
// channel and batch that are only waiting out the batch window come along,
// to be merged into one message.
func (s *Service) claim(ctx context.Context, now time.Time) ([]row, error) {
	var out []row
	args := []any{sql.Named("now", now.Unix()), sql.Named("stale", now.Add(-s.opts.ClaimLease).Unix())}
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT channel, batch FROM outbox WHERE batch != '' AND (`+due+`)`, args...)
		if err != nil {
			return err
		}
		where := due
		claimArgs := append([]any{}, args...)
		for i := 0; rows.Next(); i++ {
			var ch, batch string
			if err := rows.Scan(&ch, &batch); err != nil {
				rows.Close()
				return err
			}
			c, b := fmt.Sprintf("ch%d", i), fmt.Sprintf("b%d", i)
			where += fmt.Sprintf(` OR (state = 'pending' AND attempts = 0 AND channel = :%s AND batch = :%s)`, c, b)
			claimArgs = append(claimArgs, sql.Named(c, ch), sql.Named(b, batch))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `UPDATE outbox SET state = 'sending', claimed_at = :now, attempts = attempts + 1
			WHERE `+where+`
			RETURNING id, event_key, channel, batch, subject, body_text, body_html, event, attempts, created_at`, claimArgs...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			var ch string
			var created int64
			if err := rows.Scan(&r.id, &r.key, &ch, &r.batch, &r.msg.Title, &r.msg.Text, &r.msg.HTML, &r.event, &r.attempts, &created); err != nil {
				return err
			}
			r.channel, r.created = Channel(ch), time.Unix(created, 0)
			out = append(out, r)
		}
		return rows.Err()
	})
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, err
}

// group makes the messages to send: per channel, the rows of each batch
// become one message; every other row is its own.
func group(rows []row) [][]row {
	type batchOf struct {
		channel Channel
		batch   string
	}
	var out [][]row
	batched := map[batchOf]int{}
	for _, r := range rows {
		if r.batch != "" && r.event != "" {
			k := batchOf{r.channel, r.batch}
			if i, ok := batched[k]; ok {
				out[i] = append(out[i], r)
				continue
			}
			batched[k] = len(out)
		}
		out = append(out, []row{r})
	}
	return out
}

// DeliverDue sends every notification that is due now and returns how many
// messages (desktop notifications and emails) went out. A message that
// fails stays in the outbox and is tried again later (1 min, doubling, up
// to 1 h by default) with the failure in plain words for Pending; err
// joins those failures and any database error.
//
// Delivery is at-least-once: a row is marked sent right after the channel
// accepted it, so a crash in the moment between the two leaves it claimed,
// and it is sent again once its claim lease (5 min) has run out. That can
// duplicate one message (a mail carries the same Message-ID both times);
// the alternative, marking first, could lose it.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	rows, err := s.claim(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("read the notification outbox: %w", err)
	}
	var errs []error
	delivered := 0
	for _, g := range group(rows) {
		sent, err := s.deliver(ctx, g, now)
		if sent {
			delivered++
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return delivered, errors.Join(errs...)
}

// message is what one group of rows says: a row's own words, or the merged
// list of lost connections.
func (s *Service) message(g []row, events []Event, now time.Time) Message {
	if len(g) == 1 || len(events) == 0 {
		return g[0].msg
	}
	switch {
	case g[0].batch == expiringBatch:
		return s.renderer(now).renderExpiring(events, g[0].channel)
	case strings.HasPrefix(g[0].batch, postBatchPrefix):
		return s.renderer(now).renderPosts(events, g[0].channel)
	}
	return s.renderer(now).renderLoss(events, g[0].channel)
}

// events reads the events of a group's rows back.
func (s *Service) events(g []row) []Event {
	var events []Event
	for _, r := range g {
		var ev Event
		if err := json.Unmarshal([]byte(r.event), &ev); err != nil {
			s.log.Warn("notification outbox: unreadable event", "key", r.key, "err", err)
			continue
		}
		events = append(events, ev)
	}
	return events
}

// deliver sends one group and records the outcome on its rows.
func (s *Service) deliver(ctx context.Context, g []row, now time.Time) (sent bool, err error) {
	ch := g[0].channel
	ids := make([]int64, len(g))
	keys := make([]string, len(g))
	for i, r := range g {
		ids[i], keys[i] = r.id, r.key
	}
	events := s.events(g)
	m := s.message(g, events, now)

	var sendErr error
	password := ""
	switch ch {
	case ChannelDesktop:
		on, err := s.on(ctx, "notify.desktop")
		if err != nil {
			return false, s.retry(ctx, g, now, "could not read the settings: "+err.Error(), 0)
		}
		if !on {
			return false, s.cancel(ctx, ids, "Not shown: desktop notifications were turned off before it was due.")
		}
		sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
		sendErr = s.opts.Desktop.Notify(sctx, m.Title, m.Text)
		cancel()
	case ChannelEmail:
		on, err := s.on(ctx, "notify.email")
		if err != nil {
			return false, s.retry(ctx, g, now, "could not read the settings: "+err.Error(), 0)
		}
		if !on {
			return false, s.cancel(ctx, ids, "Not sent: email notifications were turned off before it was due.")
		}
		cfg, err := s.mailConfig(ctx)
		if err != nil {
			sendErr = err
			break
		}
		password = cfg.Password
		m.ID = messageID(keys, cfg.From)
		sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
		sendErr = s.opts.Mailer.Send(sctx, cfg, m)
		cancel()
	default:
		id, ok := webhookOf(ch)
		if !ok {
			return false, s.cancel(ctx, ids, fmt.Sprintf("Not sent: unknown channel %q.", ch))
		}
		w, err := s.Webhook(ctx, id)
		if errors.Is(err, ErrNoWebhook) {
			return false, s.cancel(ctx, ids, "Not sent: the webhook was removed.")
		}
		if err != nil {
			return false, s.retry(ctx, g, now, "could not read the webhook: "+err.Error(), 0)
		}
		sendErr = s.sendWebhook(ctx, w, g, events, m, keys)
	}

	if sendErr != nil && ctx.Err() != nil {
		// Stopping (Run's context ended) is not the channel's failure: put
		// the rows back as they were, due at once on the next start.
		return false, s.release(ctx, ids)
	}
	if sendErr != nil {
		words := sentence(scrub(sendErr.Error(), password))
		if ch == ChannelDesktop && now.Sub(g[0].created) > s.opts.DesktopMaxAge {
			s.log.Warn("desktop notification dropped", "title", m.Title, "error", words)
			return false, s.cancel(ctx, ids, "Not shown: no desktop notification service answered for "+
				since(s.opts.DesktopMaxAge)+". Last error: "+words)
		}
		s.log.Warn("notification not sent; will retry", "channel", string(ch), "title", m.Title, "error", words)
		var after time.Duration
		if we := (*WebhookError)(nil); errors.As(sendErr, &we) {
			after = we.RetryAfter
		}
		if err := s.retry(ctx, g, now, words, after); err != nil {
			return false, err
		}
		return false, fmt.Errorf("%s %q: %s", ch, m.Title, words)
	}
	if err := s.markSent(ctx, ids, now); err != nil {
		return true, fmt.Errorf("record a sent notification: %w", err)
	}
	s.log.Info("notification sent", "channel", string(ch), "title", m.Title, "events", len(g))
	return true, nil
}

// sendWebhook posts a group's message to a webhook in its format.
func (s *Service) sendWebhook(ctx context.Context, w Webhook, g []row, events []Event, m Message, keys []string) error {
	event := ""
	var at time.Time
	for _, ev := range events {
		if event == "" {
			event = string(ev.Kind)
		} else if event != string(ev.Kind) && g[0].batch == lossBatch {
			// Lost and expired together: both are lost connections; each
			// profile's reason tells them apart.
			event = string(Disconnected)
		}
		if ev.At.After(at) {
			at = ev.At
		}
	}
	if event == "" {
		event = string(Kind(g[0].batch))
	}
	if at.IsZero() {
		at = g[0].created
	}
	id := eventID(g[0].channel, keys)
	body, err := payload(w.Kind, event, id, onePerKey(events), m, at, s.clock.Now())
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	_, err = s.post(sctx, w, id, body)
	return err
}

// backoff is the wait after the n-th failed attempt.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.opts.RetryMin
	for i := 1; i < attempts && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.opts.RetryMax)
}

// retry puts a group back after a failed send: due again after the
// backoff, or after the receiver's Retry-After when it gave one (it knows
// when it can take more; capped at RetryMax).
func (s *Service) retry(ctx context.Context, g []row, now time.Time, words string, retryAfter time.Duration) error {
	ctx = context.WithoutCancel(ctx)
	return s.store.InTx(ctx, func(tx *sql.Tx) error {
		for _, r := range g {
			wait := s.backoff(r.attempts)
			if retryAfter > 0 {
				wait = min(max(retryAfter, time.Second), s.opts.RetryMax)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', claimed_at = NULL,
				next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'sending'`,
				now.Add(wait).Unix(), words, r.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// release gives claimed rows back untried.
func (s *Service) release(ctx context.Context, ids []int64) error {
	return s.setState(context.WithoutCancel(ctx), ids, `state = 'pending', claimed_at = NULL, attempts = max(attempts - 1, 0)`)
}

func (s *Service) markSent(ctx context.Context, ids []int64, now time.Time) error {
	return s.setState(context.WithoutCancel(ctx), ids, `state = 'sent', sent_at = ?, last_error = '', claimed_at = NULL`, now.Unix())
}

func (s *Service) cancel(ctx context.Context, ids []int64, why string) error {
	return s.setState(context.WithoutCancel(ctx), ids, `state = 'cancelled', last_error = ?, claimed_at = NULL`, why)
}

func (s *Service) setState(ctx context.Context, ids []int64, set string, args ...any) error {
	marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.store.DB().ExecContext(ctx, `UPDATE outbox SET `+set+` WHERE id IN (`+marks+`) AND state = 'sending'`, args...)
	return err
}

// sentence makes an error's text a sentence: capital first, full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Unknown error."
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ")") {
		s += "."
	}
	return s
}

// nextWake is how long Run may sleep: until the next row is due, at most
// PollInterval, at least a second.
func (s *Service) nextWake(ctx context.Context, now time.Time) time.Duration {
	var next sql.NullInt64
	err := s.store.DB().QueryRowContext(ctx, `SELECT min(CASE state WHEN 'pending' THEN next_attempt_at
		ELSE claimed_at + ? END) FROM outbox WHERE state IN ('pending', 'sending')`,
		int64(s.opts.ClaimLease/time.Second)).Scan(&next)
	wait := s.opts.PollInterval
	if err == nil && next.Valid {
		wait = min(wait, time.Unix(next.Int64, 0).Sub(now))
	}
	return max(wait, time.Second)
}

// Run delivers the outbox until ctx ends: at once when Enqueue adds a row,
// when a held or retried row comes due, and at least every PollInterval.
func (s *Service) Run(ctx context.Context) error {
	s.log.Info("notification outbox running")
	for {
		if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("notification outbox", "error", err.Error())
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := s.nextWake(ctx, s.clock.Now())
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.clock.After(wait):
		}
	}
}
