package testbed

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tailBuffer keeps the last max bytes written to it: enough of a service's
// output to explain a failure without holding a chatty server's whole log.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	lost bool
}

func newTail(max int) *tailBuffer { return &tailBuffer{max: max} }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
		b.lost = true
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.lost {
		return "[...]" + string(b.buf)
	}
	return string(b.buf)
}

// Process is a child process whose stdout and stderr are captured. It is
// stopped by the t.Cleanup registered in StartProcess, and its output is
// logged when the test failed.
type Process struct {
	Name string
	Cmd  *exec.Cmd

	stdout, stderr *tailBuffer
	done           chan struct{}
	waitErr        error
	stopOnce       sync.Once
}

// outputTail is how much of each stream a Process keeps; failure logs
// show the last logTail of it.
const (
	outputTail = 256 << 10
	logTail    = 16 << 10
)

// StartProcess starts cmd and ties its life to the test. Writers already set
// on cmd.Stdout/cmd.Stderr still get everything; the Process keeps a copy.
// The process runs in its own process group so stopping it also reaches
// anything it spawned.
func StartProcess(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Name: name, Cmd: cmd, stdout: newTail(outputTail), stderr: newTail(outputTail), done: make(chan struct{})}
	cmd.Stdout = teeTo(p.stdout, cmd.Stdout)
	cmd.Stderr = teeTo(p.stderr, cmd.Stderr)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	// A daemon that forks and keeps our pipes open must not hang Wait.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("testbed: starting %s (%s): %v", name, strings.Join(cmd.Args, " "), err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(15 * time.Second)
		if t.Failed() {
			t.Logf("testbed: output of %s (%s), %s:\n--- stdout ---\n%s\n--- stderr ---\n%s",
				name, strings.Join(cmd.Args, " "), p.exitText(), last(p.stdout.String(), logTail), last(p.stderr.String(), logTail))
		}
	})
	return p
}

func teeTo(keep io.Writer, also io.Writer) io.Writer {
	if also == nil {
		return keep
	}
	return io.MultiWriter(keep, also)
}

// Stdout is what the process wrote to stdout so far (the last 256 KiB).
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr is what the process wrote to stderr so far (the last 256 KiB).
func (p *Process) Stderr() string { return p.stderr.String() }

// Output is the end of stdout and stderr, labelled, for failure messages.
func (p *Process) Output() string {
	return fmt.Sprintf("--- %s stdout ---\n%s\n--- %s stderr ---\n%s", p.Name, last(p.Stdout(), logTail), p.Name, last(p.Stderr(), logTail))
}

// last is the end of s, at most n bytes.
func last(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]" + s[len(s)-n:]
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ExitCode is the exit status, or -1 while running or when killed by a
// signal.
func (p *Process) ExitCode() int {
	if !p.Exited() {
		return -1
	}
	return p.Cmd.ProcessState.ExitCode()
}

func (p *Process) exitText() string {
	if !p.Exited() {
		return "still running"
	}
	return p.Cmd.ProcessState.String()
}

// Signal sends sig to the process (not its group).
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if p.Exited() {
		t.Fatalf("testbed: cannot signal %s: it already exited (%s)\n%s", p.Name, p.exitText(), p.Output())
	}
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatalf("testbed: signalling %s: %v", p.Name, err)
	}
}

// WaitExit waits for the process to exit and returns its exit code; it
// fails the test if that takes longer than timeout.
func (p *Process) WaitExit(t testing.TB, timeout time.Duration) int {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.Cmd.ProcessState.ExitCode()
	case <-timer.C:
		t.Fatalf("testbed: %s did not exit within %s\n%s", p.Name, timeout, p.Output())
		return -1
	}
}

// WaitOutput waits until stdout or stderr contains substr.
func (p *Process) WaitOutput(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s to print %q", p.Name, substr), timeout, nil, func() (bool, string) {
		if strings.Contains(p.Stdout(), substr) || strings.Contains(p.Stderr(), substr) {
			return true, ""
		}
		if p.Exited() {
			return false, "it exited (" + p.exitText() + ")\n" + p.Output()
		}
		return false, ""
	})
}

// Stop ends the process: SIGTERM, then SIGKILL to its group after a grace
// period. Stopping an exited process is a no-op. The registered cleanup
// calls it too.
func (p *Process) Stop() { p.stop(15 * time.Second) }

func (p *Process) stop(grace time.Duration) {
	p.stopOnce.Do(func() {
		if !p.Exited() {
			_ = p.Cmd.Process.Signal(syscall.SIGTERM)
			timer := time.NewTimer(grace)
			defer timer.Stop()
			select {
			case <-p.done:
			case <-timer.C:
				_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
				<-p.done
			}
		}
		// Children left in the group (a daemon's helpers) go too.
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	})
}

// waitFor polls check on a ticker until it reports ready, the process (if
// given) exits, or the deadline passes; the last two fail the test with the
// check's explanation and the process's output.
func waitFor(t testing.TB, what string, timeout time.Duration, p *Process, check func() (ready bool, why string)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var exited <-chan struct{}
	if p != nil {
		exited = p.done
	}
	why := ""
	for {
		var ok bool
		if ok, why = check(); ok {
			return
		}
		select {
		case <-tick.C:
		case <-exited:
			if ok, _ := check(); ok {
				return
			}
			t.Fatalf("testbed: waiting for %s: %s exited (%s)\n%s", what, p.Name, p.exitText(), p.Output())
		case <-deadline.C:
			msg := fmt.Sprintf("testbed: waiting for %s: not ready after %s", what, timeout)
			if why != "" {
				msg += ": " + why
			}
			if p != nil {
				msg += "\n" + p.Output()
			}
			t.Fatal(msg)
		}
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testbed: finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tcpReady reports whether something accepts connections at addr.
func tcpReady(addr string) (bool, string) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false, err.Error()
	}
	c.Close()
	return true, ""
}

var quickClient = &http.Client{Timeout: 5 * time.Second}

// httpReady reports whether url answers 200 and, if accept is given, the
// body satisfies it.
func httpReady(url string, accept func(body []byte) bool) (bool, string) {
	resp, err := quickClient.Get(url)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return false, err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("GET %s: %s", url, resp.Status)
	}
	if accept != nil && !accept(body) {
		return false, fmt.Sprintf("GET %s: unexpected body %.200q", url, body)
	}
	return true, ""
}

// portFree reports whether nothing listens on addr any more.
func portFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}
