package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/when"
)

// showDetail opens a row's detail: the exact expiry, the last checks, why
// access was lost, and the account's activity log.
func (s *accountsScreen) showDetail(a account.Account) {
	now := s.backend.Now()
	moment := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return when.In(now, time.Local).Moment(*t) + " (" + ago(now, *t) + ")"
	}
	state, _ := stateText(a)
	form := widget.NewForm(
		widget.NewFormItem("Profile", widget.NewLabel(a.Handle+" on "+s.nets.title(a.Network))),
		widget.NewFormItem("State", wrapped(state+". "+a.Reason.Describe())),
		widget.NewFormItem("Expires", widget.NewLabel(expiry.Describe(now, a.ExpiresAt)+" — "+expiry.Exact(a.ExpiresAt, time.Local))),
		widget.NewFormItem("Last check", widget.NewLabel(moment(a.LastCheckedAt))),
		widget.NewFormItem("Last good check", widget.NewLabel(moment(a.LastGoodCheckAt))),
	)
	if trouble := troubleDetail(a, now); trouble != "" {
		form.Append("Could not check", wrapped(trouble))
	} else if a.LastError != "" {
		form.Append("Last problem", wrapped(a.LastError))
	}
	log := widget.NewLabel("Loading the activity log…")
	log.Wrapping = fyne.TextWrapWord
	content := container.NewBorder(form, nil, nil, nil,
		container.NewBorder(widget.NewLabelWithStyle("Activity", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
			container.NewVScroll(log)))
	d := dialog.NewCustom(a.DisplayName, "Close", content, s.window)
	d.Resize(fyne.NewSize(620, 460))
	d.Show()
	s.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		entries, err := s.backend.Activity(ctx, a.ID, 50)
		fyne.Do(func() { log.SetText(activityText(entries, err)) })
	})
}

func activityText(entries []account.Activity, err error) string {
	if err != nil {
		return "Could not read the activity log: " + err.Error()
	}
	if len(entries) == 0 {
		return "Nothing has happened to this profile yet."
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s  %s\n", when.In(time.Now(), time.Local).Compact(e.At), e.Message)
	}
	return b.String()
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
