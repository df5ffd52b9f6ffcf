package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/notify"
)

// alertsBackend is what Settings → Alerts needs; *notify.Service is one.
type alertsBackend interface {
	Webhooks(ctx context.Context) ([]notify.Webhook, error)
	AddWebhook(ctx context.Context, nw notify.NewWebhook) (notify.Webhook, error)
	RemoveWebhook(ctx context.Context, id int64) error
	SendTestWebhook(ctx context.Context, id int64) (notify.WebhookAnswer, error)
}

// alertsSection is Settings → Alerts: the webhooks that get alerts, a
// form to add one, and per webhook Send test (showing the receiver's
// answer) and Remove.
type alertsSection struct {
	window  fyne.Window
	backend alertsBackend

	list    *fyne.Container
	kind    *widget.Select
	url     *widget.Entry
	events  *widget.Entry
	secret  *widget.Entry
	add     *widget.Button
	status  *widget.Label
	content fyne.CanvasObject
	// answers keeps each webhook's last test answer across reloads.
	answers map[int64]string
	// afterWork, when set (tests), runs on the UI goroutine after each
	// background job.
	afterWork func()
}

const alertsEmptyText = "No webhooks yet. To get alerts in a team chat, create an incoming webhook in Slack " +
	"(or a channel webhook in Discord), paste its https:// address below, choose its kind and press Add. " +
	"For your own service choose JSON: each alert is signed with the secret you give."

func newAlertsSection(w fyne.Window, backend alertsBackend) fyne.CanvasObject {
	s := buildAlertsSection(w, backend)
	s.reload()
	return s.content
}

func buildAlertsSection(w fyne.Window, backend alertsBackend) *alertsSection {
	s := &alertsSection{window: w, backend: backend, answers: map[int64]string{}}
	s.list = container.NewVBox()
	kinds := make([]string, len(notify.WebhookKinds))
	for i, k := range notify.WebhookKinds {
		kinds[i] = string(k)
	}
	s.kind = widget.NewSelect(kinds, nil)
	s.kind.SetSelected(string(notify.WebhookSlack))
	s.url = widget.NewEntry()
	s.url.SetPlaceHolder("https://hooks.slack.com/services/…")
	s.events = widget.NewEntry()
	s.events.SetPlaceHolder("all events")
	s.secret = widget.NewPasswordEntry()
	s.secret.SetPlaceHolder("optional; kept in the system keyring")
	s.add = widget.NewButton("Add", s.onAdd)
	s.add.Importance = widget.HighImportance
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	form := widget.NewForm(
		widget.NewFormItem("Kind", s.kind),
		widget.NewFormItem("Address", s.url),
		widget.NewFormItem("Events", s.events),
		widget.NewFormItem("Signing secret", s.secret),
	)
	form.Items[2].HintText = "Comma-separated, e.g. expired,disconnected,post_failed. Empty: all."
	form.Items[3].HintText = "JSON webhooks carry X-SocialOmm-Signature made with it."

	heading := widget.NewLabelWithStyle("Alerts to Slack, Discord or your own service", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	intro := widget.NewLabel("Each webhook gets the same alerts as the desktop and email, once each, " +
		"kept and retried while it cannot be reached.")
	intro.Wrapping = fyne.TextWrapWord
	addHeading := widget.NewLabelWithStyle("Add a webhook", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		heading, intro, s.list,
		widget.NewSeparator(),
		addHeading, form, container.NewHBox(s.add), s.status,
	)))
	return s
}

// background runs fn off the UI goroutine with a timeout.
func (s *alertsSection) background(timeout time.Duration, fn func(ctx context.Context)) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		fn(ctx)
	}()
}

func (s *alertsSection) done() {
	if s.afterWork != nil {
		s.afterWork()
	}
}

func (s *alertsSection) reload() {
	s.background(10*time.Second, func(ctx context.Context) {
		list, err := s.backend.Webhooks(ctx)
		fyne.Do(func() {
			defer s.done()
			if err != nil {
				s.status.SetText("Could not read the webhooks: " + err.Error())
				return
			}
			s.show(list)
		})
	})
}

// show draws the list; on the UI goroutine.
func (s *alertsSection) show(list []notify.Webhook) {
	s.list.RemoveAll()
	if len(list) == 0 {
		empty := widget.NewLabel(alertsEmptyText)
		empty.Wrapping = fyne.TextWrapWord
		s.list.Add(empty)
		return
	}
	for _, w := range list {
		s.list.Add(s.row(w))
	}
}

func webhookSummary(w notify.Webhook) string {
	events := "all events"
	if len(w.Events) > 0 {
		parts := make([]string, len(w.Events))
		for i, k := range w.Events {
			parts[i] = string(k)
		}
		events = strings.Join(parts, ", ")
	}
	s := fmt.Sprintf("%s → %s · %s", kindTitle(w.Kind), w.Where(), events)
	if w.Signed {
		s += " · signed"
	}
	return s
}

func kindTitle(k notify.WebhookKind) string {
	switch k {
	case notify.WebhookSlack:
		return "Slack"
	case notify.WebhookDiscord:
		return "Discord"
	}
	return "JSON"
}

func (s *alertsSection) row(w notify.Webhook) fyne.CanvasObject {
	answer := widget.NewLabel(s.answers[w.ID])
	answer.Wrapping = fyne.TextWrapWord
	answer.TextStyle = fyne.TextStyle{Italic: true}
	var test, remove *widget.Button
	test = widget.NewButton("Send test", func() {
		test.Disable()
		answer.SetText("Sending…")
		s.background(60*time.Second, func(ctx context.Context) {
			ans, err := s.backend.SendTestWebhook(ctx, w.ID)
			words := "Accepted: " + ans.String()
			if err != nil {
				words = "Not accepted: " + err.Error()
			}
			fyne.Do(func() {
				defer s.done()
				s.answers[w.ID] = words
				answer.SetText(words)
				test.Enable()
			})
		})
	})
	remove = widget.NewButton("Remove", func() {
		remove.Disable()
		s.background(15*time.Second, func(ctx context.Context) {
			err := s.backend.RemoveWebhook(ctx, w.ID)
			fyne.Do(func() {
				if err != nil {
					s.status.SetText("Not removed: " + err.Error())
					remove.Enable()
					s.done()
					return
				}
				delete(s.answers, w.ID)
				s.status.SetText(fmt.Sprintf("Removed the webhook to %s.", w.Where()))
				s.reload()
			})
		})
	})
	remove.Importance = widget.DangerImportance
	title := widget.NewLabel(webhookSummary(w))
	title.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(test, remove), title), answer)
}

func (s *alertsSection) onAdd() {
	kind, _ := notify.ParseWebhookKind(s.kind.Selected)
	nw := notify.NewWebhook{Kind: kind, URL: s.url.Text, Secret: s.secret.Text}
	if _, err := notify.CheckWebhookURL(nw.URL); err != nil {
		s.status.SetText(strings.TrimPrefix(err.Error(), notify.ErrInvalidWebhook.Error()+": "))
		s.done()
		return
	}
	events, err := notify.ParseEvents(s.events.Text)
	if err != nil {
		s.status.SetText(strings.TrimPrefix(err.Error(), notify.ErrInvalidWebhook.Error()+": "))
		s.done()
		return
	}
	nw.Events = events
	s.add.Disable()
	s.status.SetText("Adding…")
	s.background(15*time.Second, func(ctx context.Context) {
		w, err := s.backend.AddWebhook(ctx, nw)
		fyne.Do(func() {
			s.add.Enable()
			if err != nil {
				// What was typed stays, to correct.
				s.status.SetText("Not added: " + err.Error())
				s.done()
				return
			}
			s.url.SetText("")
			s.events.SetText("")
			s.secret.SetText("")
			s.status.SetText(fmt.Sprintf("Added the webhook to %s. Press Send test to see that it arrives.", w.Where()))
			s.reload()
		})
	})
}
