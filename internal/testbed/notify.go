package testbed

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Notification is one org.freedesktop.Notifications.Notify call seen on the
// session bus.
type Notification struct {
	AppName string
	Icon    string
	Summary string
	Body    string
}

// Notifications is dunst (the notification server, drawing on the test's
// display) plus a dbus-monitor that records every Notify call on the bus.
type Notifications struct {
	dunst   *Process
	monitor *Process
	parser  *notifyParser
}

// StartNotifications starts dbus-monitor, waits until it is a monitor, then
// starts dunst on the display and waits (gdbus wait) until it owns
// org.freedesktop.Notifications. Both stop when the test ends.
func StartNotifications(t testing.TB, d *Display) *Notifications {
	t.Helper()
	RequireSessionBus(t)
	dunstBin := LookTool(t, "dunst")
	monBin := LookTool(t, "dbus-monitor")
	gdbus := LookTool(t, "gdbus")

	n := &Notifications{parser: newNotifyParser()}
	mon := exec.Command(monBin, "--session",
		"type='method_call',interface='org.freedesktop.Notifications',member='Notify'")
	mon.Env = Env(t)
	mon.Stdout = n.parser
	n.monitor = StartProcess(t, "dbus-monitor", mon)
	// dbus-monitor prints the NameLost signal the bus sends once
	// BecomeMonitor has succeeded: from then on it sees every Notify.
	n.monitor.WaitOutput(t, "member=NameLost", 30*time.Second)

	waitNameFree(t, "org.freedesktop.Notifications", 10*time.Second)
	home := t.TempDir()
	cfg := filepath.Join(home, "dunstrc")
	if err := os.WriteFile(cfg, []byte(dunstrc), 0o600); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	cmd := exec.Command(dunstBin, "-config", cfg)
	cmd.Env = d.Env(t, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	n.dunst = StartProcess(t, "dunst", cmd)

	wait := exec.Command(gdbus, "wait", "--session", "--timeout", "30", "org.freedesktop.Notifications")
	var werr bytes.Buffer
	wait.Stderr = &werr
	if err := wait.Run(); err != nil {
		t.Fatalf("testbed: dunst did not take org.freedesktop.Notifications on the session bus: gdbus wait: %v %s\n%s", err, werr.String(), n.dunst.Output())
	}
	if n.dunst.Exited() {
		t.Fatalf("testbed: dunst exited (%s)\n%s", n.dunst.exitText(), n.dunst.Output())
	}
	return n
}

// dunstrc is the dunst config the tests and `make bench` share.
//
//go:embed dunstrc
var dunstrc string

// All is every notification captured so far, oldest first.
func (n *Notifications) All() []Notification { return n.parser.all() }

// Wait returns the first captured notification (including ones already
// seen) for which match is true, waiting up to timeout; it fails the test
// listing what was captured if none comes. A nil match takes any.
func (n *Notifications) Wait(t testing.TB, timeout time.Duration, match func(Notification) bool) Notification {
	t.Helper()
	if match == nil {
		match = func(Notification) bool { return true }
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		list, changed := n.parser.snapshot()
		for _, x := range list {
			if match(x) {
				return x
			}
		}
		select {
		case <-changed:
		case <-n.monitor.Done():
			t.Fatalf("testbed: dbus-monitor exited (%s)\n%s", n.monitor.exitText(), n.monitor.Output())
		case <-deadline.C:
			t.Fatalf("testbed: no matching notification within %s; captured %d:\n%s", timeout, len(list), formatNotifications(list))
		}
	}
}

func formatNotifications(list []Notification) string {
	var b strings.Builder
	for i, x := range list {
		fmt.Fprintf(&b, "  %d. app=%q icon=%q summary=%q body=%q\n", i+1, x.AppName, x.Icon, x.Summary, x.Body)
	}
	return b.String()
}

// notifyParser reads dbus-monitor's text output line by line and turns each
// Notify call into a Notification.
//
// dbus-monitor prints string arguments raw, quotes and newlines included,
// so a string's end is found by what follows it in Notify's signature
// (susssasa{sv}i): the app name runs until the "uint32" line, the icon and
// summary each until the next `"` + newline + `   string "`, the body until
// `"` + newline + `   array [`. A Notify call is complete at its final
// `   int32 N` (expire_timeout) line. Texts that themselves contain those
// exact separator lines would be cut wrongly; the app's notifications do
// not.
type notifyParser struct {
	mu      sync.Mutex
	partial []byte
	inCall  bool
	call    []string
	list    []Notification
	changed chan struct{}
}

func newNotifyParser() *notifyParser { return &notifyParser{changed: make(chan struct{})} }

var (
	monitorHeader = regexp.MustCompile(`^(method call|method return|signal|error) time=`)
	notifyHeader  = regexp.MustCompile(`^method call time=.* interface=org\.freedesktop\.Notifications; member=Notify$`)
	expireLine    = regexp.MustCompile(`^   int32 -?\d+$`)
)

func (p *notifyParser) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		p.line(string(p.partial[:i]))
		p.partial = p.partial[i+1:]
	}
	return len(b), nil
}

func (p *notifyParser) line(l string) {
	if monitorHeader.MatchString(l) && (!p.inCall || p.callEnded()) {
		p.inCall = notifyHeader.MatchString(l)
		p.call = p.call[:0]
		return
	}
	if !p.inCall {
		return
	}
	p.call = append(p.call, l)
	if !expireLine.MatchString(l) {
		return
	}
	if x, ok := parseNotify(strings.Join(p.call, "\n")); ok {
		p.list = append(p.list, x)
		close(p.changed)
		p.changed = make(chan struct{})
		p.inCall = false
		p.call = p.call[:0]
	}
}

// callEnded reports whether the open call reached a final expire_timeout
// line without parsing. Until then a line that looks like a header is taken
// as part of a string argument: inside a Notify call no header can come
// before that line.
func (p *notifyParser) callEnded() bool {
	return len(p.call) > 0 && expireLine.MatchString(p.call[len(p.call)-1])
}

func (p *notifyParser) all() []Notification {
	list, _ := p.snapshot()
	return list
}

func (p *notifyParser) snapshot() ([]Notification, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Notification(nil), p.list...), p.changed
}

// parseNotify parses the argument lines of one Notify call.
func parseNotify(s string) (Notification, bool) {
	const str = `   string "`
	var n Notification
	if !strings.HasPrefix(s, str) {
		return n, false
	}
	s = s[len(str):]
	i := strings.Index(s, "\"\n   uint32 ")
	if i < 0 {
		return n, false
	}
	n.AppName, s = s[:i], s[i+2:]
	// Skip the replaces_id line.
	nl := strings.IndexByte(s, '\n')
	if nl < 0 || !strings.HasPrefix(s[nl+1:], str) {
		return n, false
	}
	s = s[nl+1+len(str):]
	sep := "\"\n" + str
	if i = strings.Index(s, sep); i < 0 {
		return n, false
	}
	n.Icon, s = s[:i], s[i+len(sep):]
	if i = strings.Index(s, sep); i < 0 {
		return n, false
	}
	n.Summary, s = s[:i], s[i+len(sep):]
	if i = strings.Index(s, "\"\n   array ["); i < 0 {
		return n, false
	}
	n.Body = s[:i]
	return n, true
}
