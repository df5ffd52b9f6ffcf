package notify

import (
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/when"
)

// Message is one notification as it is shown or mailed.
type Message struct {
	// Title is the desktop notification's summary and the email's subject.
	Title string
	// Text is the desktop notification's body, or the email's text part.
	Text string
	// HTML is the email's HTML alternative part; empty for the desktop.
	HTML string
	// ID is a stable Message-ID for email (without angle brackets), the
	// same each time the same rows are sent, so a mail sent twice after a
	// crash is recognisable as one by mail programs.
	ID string
}

// UpdateSteps is the way back to a lost connection, as every message says it.
const UpdateSteps = "Open SocialOmm → Accounts → ⋯ → Update"

// facts are the parts every notification has: what happened and when, why,
// what it affects, what to do.
type facts struct {
	title   string // short headline: desktop summary
	subject string // email subject
	what    string
	why     string
	affects string
	todo    string
	footer  string // email only
}

// renderer formats events for people in one time zone.
type renderer struct {
	loc *time.Location
	now time.Time
	// title names a network (Options.NetworkTitle); nil: NetworkName.
	title func(network string) string
}

// networkTitle is a network's name as people write it.
func (r renderer) networkTitle(network string) string {
	if r.title != nil {
		return r.title(network)
	}
	return NetworkName(network)
}

// name is how every notification names an account: the network's title
// and the handle ("Mastodon @ana@example.org").
func (r renderer) name(p Profile) string {
	return strings.TrimSpace(r.networkTitle(p.Network) + " " + p.handle())
}

// when is a full moment: "Tue 9 Feb 2027, 14:02 CET".
func (r renderer) when(t time.Time) string {
	return when.In(r.now, r.loc).Full(t)
}

// near is a moment relative to ref: "14:00" on the same day, else with its
// date.
func (r renderer) near(t, ref time.Time) string {
	return when.In(ref, r.loc).Near(t, ref)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}

// Count is n with its thousands grouped ("31,833"): how SocialOmm writes a
// count wherever it can get large, in notices (an agency's merged notice
// counts posts and profiles in thousands) and in the windows.
func Count(n int) string {
	s := strconv.Itoa(n)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// since is a duration in whole days or hours: "3 days", "5 hours".
func since(d time.Duration) string {
	switch {
	case d >= day:
		return plural(int(d/day), "day", "days")
	case d >= time.Hour:
		return plural(int(d/time.Hour), "hour", "hours")
	}
	return plural(int(d/time.Minute), "minute", "minutes")
}

// timeLeft is the time until an expiry, rounded up: "7 days", "20 hours".
func timeLeft(d time.Duration) string {
	up := func(unit time.Duration) int { return int((d + unit - 1) / unit) }
	switch {
	case d > 2*day:
		return plural(up(day), "day", "days")
	case d > 2*time.Hour:
		return plural(up(time.Hour), "hour", "hours")
	case d > 0:
		return plural(up(time.Minute), "minute", "minutes")
	}
	return "no time"
}

// firstWords is the start of a post's text on one line, cut at a word.
func firstWords(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	const maxWords, maxRunes = 10, 70
	words := strings.Fields(text)
	cut := len(words) > maxWords
	if cut {
		words = words[:maxWords]
	}
	out := strings.Join(words, " ")
	if utf8.RuneCountInString(out) > maxRunes {
		r := []rune(out)[:maxRunes]
		out = string(r)
		if i := strings.LastIndexByte(out, ' '); i > maxRunes/2 {
			out = out[:i]
		}
		cut = true
	}
	if cut {
		out += "…"
	}
	return out
}

func why(reason account.Reason) string {
	if d := reason.Describe(); d != "" {
		return d
	}
	return "The network no longer accepts SocialOmm's access."
}

// affects says what a lost or ending connection holds up.
func (r renderer) affects(ev Event, ref time.Time) string {
	if ev.HeldPosts <= 0 {
		return "No scheduled posts are waiting for this profile."
	}
	s := plural(ev.HeldPosts, "scheduled post is", "scheduled posts are") + " on hold"
	if !ev.NextDue.IsZero() {
		tense := "is"
		if !ev.NextDue.After(r.now) {
			tense = "was"
		}
		s += fmt.Sprintf("; the next %s due at %s", tense, r.near(ev.NextDue, ref))
	}
	return s + "."
}

func (r renderer) reconnect(ev Event) string {
	return UpdateSteps + ", and sign in to " + r.networkTitle(ev.Profile.Network) + " as " + ev.Profile.Handle + "."
}

const reminderFooter = "SocialOmm reminds you after 1 day, 3 days, then weekly while a profile stays disconnected. " +
	"Reminders can be turned off in Settings (notify.reminders)."

// facts words one event.
func (r renderer) facts(ev Event) facts {
	name := r.name(ev.Profile)
	var f facts
	switch {
	case ev.Reminder > 0:
		lost := "disconnected"
		if ev.Kind == Expired {
			lost = "expired"
		}
		f.title = "Still disconnected: " + name
		f.subject = f.title
		f.what = fmt.Sprintf("%s has been %s since %s (%s).", name, lost, r.when(ev.At), since(r.now.Sub(ev.At)))
		f.why = why(ev.Reason)
		if ev.Kind == Expired {
			f.why = why(account.ReasonExpired)
		}
		f.affects = r.affects(ev, r.now)
		f.todo = r.reconnect(ev)
		f.footer = reminderFooter
	case ev.Kind == Disconnected:
		f.title = name + " is disconnected"
		f.subject = f.title
		f.what = fmt.Sprintf("SocialOmm lost its connection to %s on %s.", name, r.when(ev.At))
		f.why = why(ev.Reason)
		f.affects = r.affects(ev, ev.At)
		f.todo = r.reconnect(ev)
	case ev.Kind == Expired:
		end := ev.ExpiresAt
		if end.IsZero() {
			end = ev.At
		}
		f.title = name + " has expired"
		f.subject = "The connection to " + name + " has expired"
		f.what = fmt.Sprintf("The connection to %s ended on %s.", name, r.when(end))
		f.why = why(account.ReasonExpired)
		f.affects = r.affects(ev, end)
		f.todo = r.reconnect(ev)
	case ev.Kind == Expiring:
		in := timeLeft(ev.ExpiresAt.Sub(ev.At))
		f.title = name + " expires in " + in
		f.subject = "The connection to " + name + " expires in " + in
		f.what = fmt.Sprintf("The connection to %s ends on %s, in %s.", name, r.when(ev.ExpiresAt), in)
		f.why = expiryWhy
		if ev.HeldPosts > 0 {
			f.affects = plural(ev.HeldPosts, "scheduled post is", "scheduled posts are") + " waiting for this profile"
			if !ev.NextDue.IsZero() {
				f.affects += "; the next is due at " + r.near(ev.NextDue, ev.At)
			}
			f.affects += ". Posts due after it ends will be held until you renew it."
		} else {
			f.affects = "Nothing yet; posts due after it ends will be held until you renew it."
		}
		f.todo = UpdateSteps + " before then to renew it."
	case ev.Kind == PostFailed:
		f.title = "Post to " + name + " failed"
		f.subject = f.title
		f.what = fmt.Sprintf("Your post to %s scheduled for %s did not go out: “%s”.", name, r.when(ev.PostScheduled), firstWords(ev.PostText))
		if ev.PostError != "" {
			f.why = "The network said: " + strings.TrimSpace(ev.PostError)
			if !strings.HasSuffix(f.why, ".") {
				f.why += "."
			}
		} else {
			f.why = "The network refused it without saying why."
		}
		f.affects = "This post on this profile only; it stays in the queue, marked failed. Other posts go out as planned."
		f.todo = "Open SocialOmm → Queue, open the post, change what the network objected to, and choose Retry."
	case ev.Kind == PostUnsaved:
		f.title = "SocialOmm could not record a post to " + name
		f.subject = f.title
		f.what = fmt.Sprintf("Your post to %s scheduled for %s (“%s”) was handled, but SocialOmm could not write down what happened.",
			name, r.when(ev.PostScheduled), firstWords(ev.PostText))
		f.why = strings.TrimSpace(ev.PostError)
		if !strings.HasSuffix(f.why, ".") {
			f.why += "."
		}
		f.affects = "This post on this profile only; it is not sent again. Other posts go out as planned if the database lets them."
		f.todo = "Free some disk space, or close other programs using SocialOmm's data folder. SocialOmm records it by itself once it can; " +
			"if it is closed before then, it looks for the post on the network when it starts again."
	case ev.Kind == PostUnconfirmed:
		post := r.postName(ev)
		f.title = "Did it go out?"
		f.subject = "Did your post to " + name + " go out?"
		f.what = fmt.Sprintf("SocialOmm lost track while sending %s to %s; look at the profile, then Retry or Delete.", post, name)
		f.why = "SocialOmm sent it but never learned whether the network took it, and could not find it on the profile afterwards; " +
			"sending it again without looking could post it twice."
		f.affects = "This post on this profile only; it stays in the queue, marked “Did it go out?”. Other posts go out as planned."
		f.todo = "Look at " + name + ": if the post is there, Delete it from the queue; if not, Retry it (Open SocialOmm → Queue, open the post)."
	case ev.Kind == PostLate:
		post := r.postName(ev)
		f.title = "Post to " + name + " is late"
		f.subject = f.title
		f.what = fmt.Sprintf("%s to %s is still not out, %s after its time.", upperFirst(post), name, since(r.now.Sub(ev.PostScheduled)))
		f.why = "SocialOmm keeps trying: the network may be slow or down, or SocialOmm was not running at that time."
		f.affects = "This post on this profile only; it goes out as soon as it can."
		f.todo = "Nothing yet; open SocialOmm → Queue to see why it waits, or to Delete it if it is no longer wanted."
	case ev.Kind == PostHeld:
		n := ev.HeldPosts
		if n < 1 {
			n = 1
		}
		f.title = plural(n, "post", "posts") + " on hold for " + name
		f.subject = f.title
		due := ev.PostScheduled
		if due.IsZero() {
			due = ev.NextDue
		}
		post := "A post"
		if !due.IsZero() {
			post = "Your post scheduled for " + r.when(due)
		}
		if ev.PostText != "" {
			post += " (“" + firstWords(ev.PostText) + "”)"
		}
		f.what = fmt.Sprintf("%s was not sent to %s: it has been disconnected since %s.", post, name, r.when(ev.At))
		f.why = why(ev.Reason)
		if ev.HeldPosts < 1 {
			ev.HeldPosts = 1
		}
		f.affects = r.affects(ev, due)
		f.todo = UpdateSteps + "; held posts go out once it is connected again."
	case ev.Kind == Reconnected:
		f.title = name + " is connected again"
		f.subject = f.title
		f.what = fmt.Sprintf("SocialOmm can post to %s again since %s.", name, r.when(ev.At))
		f.why = "Its access works again."
		if ev.HeldPosts > 0 {
			f.affects = plural(ev.HeldPosts, "held post", "held posts") + " can go out now."
		} else {
			f.affects = "No posts were waiting."
		}
		f.todo = "Nothing; this is for your information."
	}
	return f
}

const emailFooter = "Sent by SocialOmm on your computer. Email notifications can be turned off in SocialOmm → Settings → Email."

// postName is "your post scheduled for Tue 9 Feb 2027, 14:00 CET
// (“Spring sale…”)".
func (r renderer) postName(ev Event) string {
	s := "your post scheduled for " + r.when(ev.PostScheduled)
	if strings.TrimSpace(ev.PostText) != "" {
		s += " (“" + firstWords(ev.PostText) + "”)"
	}
	return s
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// style is how a channel's messages are worded: email has its long form;
// the desktop and chat webhooks the short one.
func style(ch Channel) Channel {
	if ch == ChannelEmail {
		return ChannelEmail
	}
	return ChannelDesktop
}

// render makes one event's message for a channel.
func (r renderer) render(ev Event, ch Channel) Message {
	ch = style(ch)
	f := r.facts(ev)
	if ch == ChannelDesktop {
		return Message{Title: f.title, Text: strings.Join([]string{f.what, f.why, f.affects, f.todo}, "\n")}
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\nWhy: %s\nAffects: %s\nWhat to do: %s\n", f.what, f.why, f.affects, f.todo)
	var h strings.Builder
	h.WriteString(htmlHead)
	fmt.Fprintf(&h, "<p>%s</p>\n<p><b>Why:</b> %s<br>\n<b>Affects:</b> %s<br>\n<b>What to do:</b> %s</p>\n",
		esc(f.what), esc(f.why), esc(f.affects), esc(f.todo))
	writeFooter(&text, &h, f.footer)
	return Message{Title: f.subject, Text: text.String(), HTML: h.String()}
}

// renderLoss merges the lost connections of one channel into one message.
// Several events about one account (the first notice and a reminder that
// both waited for the mail server) count once, the latest.
func (r renderer) renderLoss(events []Event, ch Channel) Message {
	ch = style(ch)
	list := onePerAccount(events, func(ev, kept Event) bool { return ev.Reminder >= kept.Reminder })
	if len(list) == 1 {
		return r.render(list[0], ch)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].At.Before(list[j].At) })

	allNew := true
	for _, ev := range list {
		allNew = allNew && ev.Reminder == 0
	}
	title := plural(len(list), "profile", "profiles") + " disconnected"
	if !allNew {
		title = plural(len(list), "profile needs", "profiles need") + " reconnecting"
	}
	subject := r.namedSubject(title, list)
	todo := "Open SocialOmm → Accounts, and on each of them choose ⋯ → Update and sign in again."

	type line struct{ head, why, affects string }
	var lines []line
	hasReminder := false
	for _, ev := range list {
		f := r.facts(ev)
		var head string
		switch {
		case ev.Reminder > 0:
			hasReminder = true
			head = fmt.Sprintf("%s: disconnected since %s (%s)", r.name(ev.Profile), r.when(ev.At), since(r.now.Sub(ev.At)))
		case ev.Kind == Expired:
			end := ev.ExpiresAt
			if end.IsZero() {
				end = ev.At
			}
			head = fmt.Sprintf("%s: expired on %s", r.name(ev.Profile), r.when(end))
		default:
			head = fmt.Sprintf("%s: disconnected on %s", r.name(ev.Profile), r.when(ev.At))
		}
		lines = append(lines, line{head, f.why, f.affects})
	}
	what := "SocialOmm lost its connection to " + plural(len(list), "profile", "profiles") + ":"
	if !allNew {
		what = plural(len(list), "profile is", "profiles are") + " disconnected:"
	}

	if ch == ChannelDesktop {
		bullets := make([]string, len(lines))
		for i, l := range lines {
			bullets[i] = fmt.Sprintf("%s. %s %s", l.head, l.why, l.affects)
		}
		return Message{Title: title, Text: desktopList(bullets, todo)}
	}
	var text, h strings.Builder
	text.WriteString(what + "\n\n")
	h.WriteString(htmlHead)
	h.WriteString("<p>" + esc(what) + "</p>\n<ul>\n")
	for _, l := range lines {
		fmt.Fprintf(&text, "- %s\n  Why: %s\n  Affects: %s\n\n", l.head, l.why, l.affects)
		fmt.Fprintf(&h, "<li><b>%s</b><br>\nWhy: %s<br>\nAffects: %s</li>\n", esc(l.head), esc(l.why), esc(l.affects))
	}
	fmt.Fprintf(&text, "What to do: %s\n", todo)
	fmt.Fprintf(&h, "</ul>\n<p><b>What to do:</b> %s</p>\n", esc(todo))
	footer := ""
	if hasReminder {
		footer = reminderFooter
	}
	writeFooter(&text, &h, footer)
	return Message{Title: subject, Text: text.String(), HTML: h.String()}
}

// expiryWhy is why a connection expires, as every expiry warning says it.
const expiryWhy = "Every connection lasts a limited time: the network's own limit, capped by the connection lifespan in Settings."

// onePerAccount keeps one event per account, in first-seen order: a later
// one replaces the kept one when newer says so (the first notice and a
// reminder that both waited for the mail server count once). Events with
// no account all stay.
func onePerAccount(events []Event, newer func(ev, kept Event) bool) []Event {
	at := map[int64]int{}
	var list []Event
	for _, ev := range events {
		key := ev.Profile.AccountID
		if i, ok := at[key]; ok && key != 0 {
			if newer(ev, list[i]) {
				list[i] = ev
			}
			continue
		}
		at[key] = len(list)
		list = append(list, ev)
	}
	return list
}

// namedSubject is a merged email's subject: title, then the first three
// profiles by name and how many more.
func (r renderer) namedSubject(title string, list []Event) string {
	var names []string
	for i, ev := range list {
		if i == 3 {
			return title + ": " + strings.Join(names, ", ") + " and " + Count(len(list)-3) + " more"
		}
		names = append(names, r.name(ev.Profile))
	}
	return title + ": " + strings.Join(names, ", ")
}

// desktopShown is how many profiles a merged desktop notification names; a
// notification server shows a few lines, and the window has the rest.
const desktopShown = 5

// desktopList is a merged desktop notification's body: the first few
// bullets, how many more there are, and what to do.
func desktopList(bullets []string, todo string) string {
	var b strings.Builder
	for i, l := range bullets {
		if i == desktopShown {
			b.WriteString("• and " + Count(len(bullets)-desktopShown) + " more\n")
			break
		}
		b.WriteString("• " + l + "\n")
	}
	b.WriteString(todo)
	return b.String()
}

// renderExpiring merges the expiry warnings of one channel into one
// message, soonest first. Several warnings about one account (two warning
// days that both waited for the mail server) count once, the latest.
func (r renderer) renderExpiring(events []Event, ch Channel) Message {
	ch = style(ch)
	list := onePerAccount(events, func(ev, kept Event) bool { return !ev.At.Before(kept.At) })
	if len(list) == 1 {
		return r.render(list[0], ch)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ExpiresAt.Before(list[j].ExpiresAt) })

	title := plural(len(list), "profile expires", "profiles expire") + " soon"
	var heads []string
	held := 0
	for _, ev := range list {
		head := fmt.Sprintf("%s: expires in %s, on %s", r.name(ev.Profile), timeLeft(ev.ExpiresAt.Sub(r.now)), r.when(ev.ExpiresAt))
		if ev.HeldPosts > 0 {
			head += "; " + plural(ev.HeldPosts, "scheduled post", "scheduled posts") + " waiting"
		}
		heads = append(heads, head)
		held += ev.HeldPosts
	}
	subject := r.namedSubject(title, list)
	why := expiryWhy
	affects := "Posts due after a connection ends are held until you renew it."
	if held > 0 {
		affects = plural(held, "scheduled post is", "scheduled posts are") + " waiting for these profiles. " + affects
	}
	todo := "Open SocialOmm → Accounts (the filter Expiring soon lists them), and on each choose ⋯ → Update before it ends to renew it."

	if ch == ChannelDesktop {
		return Message{Title: title, Text: desktopList(heads, todo)}
	}
	var text, h strings.Builder
	what := plural(len(list), "connection ends", "connections end") + " soon:"
	text.WriteString(what + "\n\n")
	h.WriteString(htmlHead)
	h.WriteString("<p>" + esc(what) + "</p>\n<ul>\n")
	for _, head := range heads {
		fmt.Fprintf(&text, "- %s\n", head)
		fmt.Fprintf(&h, "<li>%s</li>\n", esc(head))
	}
	fmt.Fprintf(&text, "\nWhy: %s\nAffects: %s\nWhat to do: %s\n", why, affects, todo)
	fmt.Fprintf(&h, "</ul>\n<p><b>Why:</b> %s<br>\n<b>Affects:</b> %s<br>\n<b>What to do:</b> %s</p>\n", esc(why), esc(affects), esc(todo))
	writeFooter(&text, &h, "")
	return Message{Title: subject, Text: text.String(), HTML: h.String()}
}

// renderPosts merges the post notices of one kind and channel into one
// message: the desktop (and chat) names five and counts the rest, the email
// lists them all. Posts are in the order they were due.
func (r renderer) renderPosts(events []Event, ch Channel) Message {
	ch = style(ch)
	list := onePerKey(events)
	if len(list) == 1 {
		return r.render(list[0], ch)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].PostScheduled.Before(list[j].PostScheduled) })
	kind := list[0].Kind
	n := len(list)
	var title, what, because, todo string
	switch kind {
	case PostUnconfirmed:
		title = "Did " + Count(n) + " posts go out?"
		what = "SocialOmm lost track while sending " + Count(n) + " posts; look at each profile, then Retry or Delete:"
		because = "SocialOmm sent them but never learned whether the network took them, and could not find them on the profiles afterwards; " +
			"sending them again without looking could post them twice."
		todo = "SocialOmm lost track while sending these; look at each profile, then Retry or Delete (Open SocialOmm → Queue)."
	case PostLate:
		title = Count(n) + " posts are late"
		what = Count(n) + " posts are still not out, 10 minutes or more after their time:"
		because = "SocialOmm keeps trying: the network may be slow or down, or SocialOmm was not running at that time."
		todo = "Nothing yet; open SocialOmm → Queue to see why they wait."
	case PostHeld:
		title = Count(n) + " posts on hold"
		what = Count(n) + " posts were not sent because their profile is disconnected:"
		because = "A disconnected profile cannot post; its posts wait instead of being lost."
		todo = UpdateSteps + " on each profile; held posts go out once it is connected again."
	default:
		title = Count(n) + " posts did not go out"
		what = Count(n) + " posts were refused by their networks:"
		because = "Each network said why, below."
		todo = "Open SocialOmm → Queue, open each post, change what the network objected to, and choose Retry."
	}
	var heads []string
	for _, ev := range list {
		head := fmt.Sprintf("%s: %s", r.name(ev.Profile), r.postName(ev))
		switch {
		case kind == PostFailed && ev.PostError != "":
			head += ". The network said: " + strings.TrimSuffix(strings.TrimSpace(ev.PostError), ".")
		case kind == PostHeld:
			head += ". " + why(ev.Reason)
		}
		heads = append(heads, head)
	}
	if kind == PostHeld {
		because = "A disconnected profile cannot post; its posts wait instead of being lost."
	}
	var names []Event
	names = append(names, list...)
	subject := r.namedSubject(title, names)
	if ch == ChannelDesktop {
		return Message{Title: title, Text: desktopList(heads, todo)}
	}
	var text, h strings.Builder
	text.WriteString(what + "\n\n")
	h.WriteString(htmlHead)
	h.WriteString("<p>" + esc(what) + "</p>\n<ul>\n")
	for _, head := range heads {
		fmt.Fprintf(&text, "- %s\n", head)
		fmt.Fprintf(&h, "<li>%s</li>\n", esc(head))
	}
	fmt.Fprintf(&text, "\nWhy: %s\nWhat to do: %s\n", because, todo)
	fmt.Fprintf(&h, "</ul>\n<p><b>Why:</b> %s<br>\n<b>What to do:</b> %s</p>\n", esc(because), esc(todo))
	writeFooter(&text, &h, "")
	return Message{Title: subject, Text: text.String(), HTML: h.String()}
}

// onePerKey drops repeats of one event (the same key claimed twice).
func onePerKey(events []Event) []Event {
	seen := map[string]bool{}
	var out []Event
	for _, ev := range events {
		k := ev.EventKey()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, ev)
	}
	return out
}

// renderTest is the message of `socialomm notify test` and the Settings
// window's "Send test email".
func (r renderer) renderTest(ch Channel) Message {
	what := "This is a test notification from SocialOmm, sent on " + r.when(r.now) + "."
	if ch == ChannelDesktop {
		return Message{Title: "SocialOmm test notification",
			Text: what + "\nIf you can read this, desktop notifications work: SocialOmm will tell you here when a profile is lost or a post fails."}
	}
	ok := "If you can read this, email notifications work: SocialOmm will write to this address when a profile is lost, expires soon, or a post fails."
	var text, h strings.Builder
	text.WriteString(what + "\n\n" + ok + "\n")
	h.WriteString(htmlHead)
	h.WriteString("<p>" + esc(what) + "</p>\n<p>" + esc(ok) + "</p>\n")
	writeFooter(&text, &h, "")
	return Message{Title: "SocialOmm test email", Text: text.String(), HTML: h.String()}
}

const htmlHead = `<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="font-family: sans-serif; line-height: 1.4">
`

func writeFooter(text, h *strings.Builder, extra string) {
	text.WriteString("\n--\n")
	h.WriteString(`<hr><p style="color: #666; font-size: smaller">`)
	if extra != "" {
		text.WriteString(extra + "\n")
		h.WriteString(esc(extra) + "<br>\n")
	}
	text.WriteString(emailFooter + "\n")
	h.WriteString(esc(emailFooter) + "</p>\n</body></html>\n")
}

func esc(s string) string { return html.EscapeString(s) }
