package notify

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server on 127.0.0.1 that records what it was
// told, to check how SMTPMailer talks to a server. Mailpit (e2e) checks
// the real thing.
type fakeSMTP struct {
	ln     net.Listener
	authOK bool

	mu    sync.Mutex
	auths []string // decoded AUTH PLAIN responses
	data  []string
	cmds  []string
}

func startFakeSMTP(t *testing.T, authOK bool) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, authOK: authOK}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) }
	say("220 fake.example ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		f.mu.Lock()
		if verb != "AUTH" {
			f.cmds = append(f.cmds, line)
		} else {
			f.cmds = append(f.cmds, "AUTH")
		}
		f.mu.Unlock()
		switch verb {
		case "EHLO":
			say("250-fake.example")
			say("250-AUTH PLAIN LOGIN")
			say("250 8BITMIME")
		case "AUTH":
			parts := strings.Fields(line)
			if len(parts) == 3 && strings.EqualFold(parts[1], "PLAIN") {
				dec, _ := base64.StdEncoding.DecodeString(parts[2])
				f.mu.Lock()
				f.auths = append(f.auths, string(dec))
				f.mu.Unlock()
			}
			if f.authOK {
				say("235 2.7.0 Authentication successful")
			} else {
				say("535 5.7.8 Authentication credentials invalid")
			}
		case "MAIL", "RCPT", "RSET", "NOOP", "HELO":
			say("250 2.0.0 Ok")
		case "DATA":
			say("354 End data with <CR><LF>.<CR><LF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.data = append(f.data, b.String())
			f.mu.Unlock()
			say("250 2.0.0 Ok: queued")
		case "QUIT":
			say("221 2.0.0 Bye")
			return
		default:
			say("502 5.5.2 Error: command not recognized")
		}
	}
}

func (f *fakeSMTP) snapshot() (auths, data, cmds []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auths...), append([]string(nil), f.data...), append([]string(nil), f.cmds...)
}

func testConfig(port int) MailConfig {
	return MailConfig{Host: "127.0.0.1", Port: port, Security: "none", Username: "ana", Password: smtpPassword,
		From: `"SocialOmm" <alerts@example.org>`, To: []string{"<ana@example.org>", "<bob@example.org>"}}
}

var testMessage = Message{
	Title: "Mastodon @ana@example.social is disconnected",
	Text:  "SocialOmm lost its connection.\n\nWhy: revoked\n",
	HTML:  "<p>SocialOmm lost its connection.</p>",
	ID:    "socialomm.abc@example.org",
}

func TestSMTPMailerSendsTextAndHTML(t *testing.T) {
	srv := startFakeSMTP(t, true)
	m := &SMTPMailer{Timeout: 5 * time.Second, Now: func() time.Time { return start }}
	if err := m.Send(ctx, testConfig(srv.port()), testMessage); err != nil {
		t.Fatal(err)
	}
	auths, data, cmds := srv.snapshot()
	if len(auths) != 1 || auths[0] != "\x00ana\x00"+smtpPassword {
		t.Fatalf("AUTH PLAIN not sent as expected (%d auths)", len(auths))
	}
	if len(data) != 1 {
		t.Fatalf("%d messages", len(data))
	}
	contains(t, "message", data[0],
		"From: \"SocialOmm\" <alerts@example.org>", "To: <ana@example.org>, <bob@example.org>",
		"Subject: Mastodon @ana@example.social is disconnected", "Message-ID: <socialomm.abc@example.org>",
		"Content-Type: multipart/alternative", "Content-Type: text/plain; charset=UTF-8",
		"Content-Type: text/html; charset=UTF-8", "SocialOmm lost its connection.", "<p>SocialOmm lost its connection.</p>",
		"Date: Tue, 09 Feb 2027 13:00:00")
	contains(t, "commands", strings.Join(cmds, "\n"), "MAIL FROM:<alerts@example.org>", "RCPT TO:<ana@example.org>", "RCPT TO:<bob@example.org>")
}

func TestSMTPMailerNoAuthWithoutUsername(t *testing.T) {
	srv := startFakeSMTP(t, false)
	cfg := testConfig(srv.port())
	cfg.Username, cfg.Password = "", ""
	if err := (&SMTPMailer{Timeout: 5 * time.Second}).Send(ctx, cfg, testMessage); err != nil {
		t.Fatal(err)
	}
	_, data, cmds := srv.snapshot()
	if len(data) != 1 {
		t.Fatalf("%d messages", len(data))
	}
	for _, c := range cmds {
		if c == "AUTH" {
			t.Fatal("signed in although no user name is set")
		}
	}
}

// TestSMTPMailerErrorsInWords: failures come back in plain words with the
// server's own words, and never with the password.
func TestSMTPMailerErrorsInWords(t *testing.T) {
	refused := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		return port
	}
	cases := []struct {
		name  string
		cfg   func() MailConfig
		wants []string
	}{
		{"password refused", func() MailConfig { return testConfig(startFakeSMTP(t, false).port()) },
			[]string{"did not accept the user name or password", "535 5.7.8 Authentication credentials invalid"}},
		{"server down", func() MailConfig { return testConfig(refused()) },
			[]string{"Could not reach the mail server 127.0.0.1:", "refused the connection"}},
		{"no STARTTLS", func() MailConfig {
			c := testConfig(startFakeSMTP(t, true).port())
			c.Security = "starttls"
			return c
		}, []string{"does not offer STARTTLS", "was not sent unencrypted"}},
		{"bad sender", func() MailConfig {
			c := testConfig(startFakeSMTP(t, true).port())
			c.From = "not an address"
			return c
		}, []string{"sender address", "not usable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := (&SMTPMailer{Timeout: 5 * time.Second}).Send(ctx, c.cfg(), testMessage)
			var me *MailError
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not a *MailError", err, err)
			}
			contains(t, "error", err.Error(), c.wants...)
			if strings.Contains(err.Error(), smtpPassword) {
				t.Fatal("the error contains the password")
			}
		})
	}

	t.Run("deadline", func(t *testing.T) {
		// A server that accepts but never speaks.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		held := make(chan net.Conn, 1)
		go func() {
			if c, err := ln.Accept(); err == nil {
				held <- c
			}
		}()
		defer func() {
			select {
			case c := <-held:
				c.Close()
			default:
			}
		}()
		sctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err = (&SMTPMailer{Timeout: 300 * time.Millisecond}).Send(sctx, testConfig(ln.Addr().(*net.TCPAddr).Port), testMessage)
		if err == nil || !strings.Contains(err.Error(), "did not answer in time") {
			t.Fatalf("err = %v", err)
		}
	})
}
