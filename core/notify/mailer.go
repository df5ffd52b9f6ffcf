package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// MailConfig is how to reach the mail server and whom to write to, read
// from the settings at each send so a change applies to mail still waiting.
type MailConfig struct {
	Host     string
	Port     int
	Security string // starttls, tls or none
	Username string // empty: no SMTP AUTH
	Password string // from the keyring; never printed (see String)
	From     string
	To       []string
}

// Server is "host:port".
func (c MailConfig) Server() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// String describes the configuration without the password.
func (c MailConfig) String() string {
	pw := "none"
	if c.Password != "" {
		pw = "set"
	}
	return fmt.Sprintf("smtp %s security=%s user=%q password=%s from=%q to=%q",
		c.Server(), c.Security, c.Username, pw, c.From, strings.Join(c.To, ", "))
}

// GoString keeps the password out of %#v too.
func (c MailConfig) GoString() string { return "notify.MailConfig{" + c.String() + "}" }

// LogValue keeps the password out of slog.
func (c MailConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Mailer sends one email. The real one is SMTPMailer; tests use fakes. An
// error's text is shown to the person, so it must be plain words and never
// contain the password.
type Mailer interface {
	Send(ctx context.Context, cfg MailConfig, m Message) error
}

// SMTPMailer sends mail with go-mail.
type SMTPMailer struct {
	// Timeout bounds connecting and each SMTP exchange; default 30 s.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests with their own CA);
	// nil: the system's roots, TLS 1.2 or newer.
	TLSConfig *tls.Config
	// Now stamps the Date header; default time.Now.
	Now func() time.Time
}

// Send connects, signs in when a user name is set, and sends m as text with
// an HTML alternative. Failures come back as *MailError in plain words.
func (s *SMTPMailer) Send(ctx context.Context, cfg MailConfig, m Message) error {
	msg, err := s.build(cfg, m)
	if err != nil {
		return &MailError{Words: err.Error(), Err: err}
	}
	client, err := s.client(cfg)
	if err != nil {
		return &MailError{Words: "The mail settings are not usable: " + scrub(err.Error(), cfg.Password), Err: err}
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return explainMailError(cfg, err)
	}
	return nil
}

func (s *SMTPMailer) build(cfg MailConfig, m Message) (*mail.Msg, error) {
	msg := mail.NewMsg()
	if err := msg.From(cfg.From); err != nil {
		return nil, fmt.Errorf("the sender address %q is not usable: %v", cfg.From, err)
	}
	if err := msg.To(cfg.To...); err != nil {
		return nil, fmt.Errorf("a recipient address in %q is not usable: %v", strings.Join(cfg.To, ", "), err)
	}
	msg.Subject(m.Title)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	msg.SetDateWithValue(now())
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID)
	} else {
		msg.SetMessageID()
	}
	msg.SetUserAgent("SocialOmm")
	msg.SetBulk()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func (s *SMTPMailer) client(cfg MailConfig) (*mail.Client, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tlsConf := s.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConf = tlsConf.Clone()
	tlsConf.ServerName = cfg.Host
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(timeout), mail.WithTLSConfig(tlsConf)}
	switch cfg.Security {
	case "tls":
		// Implicit TLS from the first byte (usually port 465).
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default: // starttls: refuse to go on unencrypted
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers (else go-mail picks
		// the best it supports). go-mail refuses to send either over an
		// unencrypted connection to another machine, so with security
		// "none" the password only travels in clear to this computer.
		opts = append(opts, mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password),
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin))
	}
	return mail.NewClient(cfg.Host, opts...)
}

// MailError is a failed send in plain words (the mail server's own words
// included), never containing the password. Err is the underlying error.
type MailError struct {
	Words string
	Err   error
}

func (e *MailError) Error() string { return e.Words }
func (e *MailError) Unwrap() error { return e.Err }

// explainMailError turns go-mail's errors into a sentence for the person,
// keeping the server's words.
func explainMailError(cfg MailConfig, err error) error {
	server := cfg.Server()
	raw := scrub(unquoteReplies(err.Error()), cfg.Password)
	// go-mail wraps as "dial failed: …" / "send failed: …"; the rest is the
	// server's or the system's words.
	detail := raw
	for _, p := range []string{"dial failed: ", "send failed: "} {
		detail = strings.TrimPrefix(detail, p)
	}
	var words string
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		words = fmt.Sprintf("Could not reach the mail server %s: it refused the connection (is the server down, or the port wrong?).", server)
	case errors.As(err, &dnsErr):
		words = fmt.Sprintf("Could not find the mail server %s: %s.", cfg.Host, dnsErr.Err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		words = fmt.Sprintf("The mail server %s did not answer in time.", server)
	case errors.As(err, &certErr), errors.As(err, &unknownAuthority), errors.As(err, &hostErr):
		words = fmt.Sprintf("The mail server %s showed a certificate this computer does not trust: %s.", server, detail)
	case errors.As(err, &recordErr):
		words = fmt.Sprintf("The mail server %s does not speak TLS on port %d; choose STARTTLS (usually port 587) instead of TLS.", server, cfg.Port)
	case strings.Contains(raw, "does not support STARTTLS"):
		words = fmt.Sprintf("The mail server %s does not offer STARTTLS, so the mail was not sent unencrypted. Choose TLS if it uses port 465, or ask your provider.", server)
	case errors.Is(err, smtp.ErrUnencrypted):
		words = fmt.Sprintf("The mail server %s asks for your password over an unencrypted connection, which SocialOmm does not send. Choose STARTTLS or TLS.", server)
	case strings.Contains(raw, "SMTP AUTH failed"):
		words = fmt.Sprintf("The mail server %s did not accept the user name or password. It said: %s", server,
			strings.TrimPrefix(detail, "SMTP AUTH failed: "))
	case strings.Contains(raw, "server does not support SMTP AUTH"):
		words = fmt.Sprintf("The mail server %s does not offer sign-in; clear the user name, or check the security setting.", server)
	default:
		words = fmt.Sprintf("The mail server %s did not take the mail. It said: %s", server, detail)
	}
	return &MailError{Words: scrub(words, cfg.Password), Err: err}
}

// smtpReply is a server reply as net/textproto prints it: 535 "5.7.8 …".
var smtpReply = regexp.MustCompile(`\b(\d{3}) ("(?:[^"\\]|\\.)*")`)

// unquoteReplies prints server replies as the server sent them:
// 535 5.7.8 Authentication credentials invalid.
func unquoteReplies(s string) string {
	return smtpReply.ReplaceAllStringFunc(s, func(m string) string {
		sub := smtpReply.FindStringSubmatch(m)
		text, err := strconv.Unquote(sub[2])
		if err != nil {
			return m
		}
		return sub[1] + " " + text
	})
}

// scrub removes a secret from a text meant for people or logs.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[password]")
}
