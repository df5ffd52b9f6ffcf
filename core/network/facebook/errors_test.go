package facebook

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/internal/contract"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	buc := http.Header{"X-Business-Use-Case-Usage": {`{"1234567890":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":15}]}`}}
	cases := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		reason    account.Reason
		transient bool
		retry     time.Duration
		rejected  bool
		words     string
	}{
		{name: "me", status: 200, body: `{"id":"1234567890","name":"Ana's Bakery"}`},
		{name: "feed post", status: 200, body: `{"id":"1234567890_9876543201"}`},
		{name: "460 password changed", status: 400, body: contract.GraphPasswordChanged, reason: account.ReasonPasswordChanged, words: "changed their password"},
		{name: "463 expired", status: 400, body: contract.GraphExpired, reason: account.ReasonExpired},
		{name: "467 invalid (words say expired and revoked)", status: 400, body: contract.GraphInvalidToken, reason: account.ReasonInvalid},
		{name: "458 app removed", status: 400, body: contract.GraphAppRemoved, reason: account.ReasonRevoked},
		{name: "459 checkpoint", status: 400, body: contract.GraphCheckpoint, reason: account.ReasonInvalid,
			words: "the account needs attention on Facebook (checkpoint)"},
		{name: "190 no subcode, unreadable token", status: 400, body: contract.GraphUnknownToken, reason: account.ReasonInvalid},
		{name: "190 no subcode, session expired words", status: 400,
			body:   `{"error":{"message":"Error validating access token: Session has expired on Monday, 02-Mar-26 10:00:00 PST.","type":"OAuthException","code":190}}`,
			reason: account.ReasonExpired},
		{name: "102 session", status: 400, body: `{"error":{"message":"Session key invalid or no longer valid","type":"OAuthException","code":102}}`, reason: account.ReasonInvalid},
		{name: "492 no role on the Page", status: 400, body: `{"error":{"message":"Invalid session","type":"OAuthException","code":190,"error_subcode":492}}`, reason: account.ReasonRevoked},
		{name: "200 permission", status: 403, body: contract.GraphPermission, reason: account.ReasonScopeLost},
		{name: "10 permission denied", status: 403, body: contract.GraphPermissionDenied, reason: account.ReasonScopeLost},
		{name: "4 app limit", status: 403, body: contract.GraphAppRateLimit, transient: true, words: "slow down"},
		{name: "17 user limit", status: 400, body: contract.GraphUserRateLimit, transient: true},
		{name: "32 page limit waits per BUC header", status: 400, header: buc, body: contract.GraphPageRateLimit, transient: true, retry: 15 * time.Minute},
		{name: "613 hourly", status: 400, body: contract.GraphHourlyLimit, transient: true},
		{name: "80001 BUC", status: 400, header: http.Header{"Retry-After": {"60"}}, body: `{"error":{"message":"There have been too many calls to this Page account.","type":"OAuthException","code":80001}}`, transient: true, retry: time.Minute},
		{name: "1 unknown", status: 500, body: contract.GraphUnknown, transient: true},
		{name: "503 no body", status: 503, transient: true},
		{name: "506 duplicate", status: 400, body: contract.GraphDuplicate, rejected: true, words: "Duplicate"},
		{name: "100 parameter", status: 400, body: `{"error":{"message":"(#100) The parameter message is required","type":"OAuthException","code":100}}`, rejected: true},
		{name: "user message preferred", status: 400,
			body:      `{"error":{"message":"dev words","type":"OAuthException","code":368,"error_user_title":"Blocked","error_user_msg":"You're temporarily blocked from posting."}}`,
			transient: true, words: "temporarily blocked"},
		{name: "401 no Graph body", status: 401, body: `Unauthorized`, reason: account.ReasonInvalid},
		{name: "200 with error object", status: 200, body: contract.GraphExpired, reason: account.ReasonExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Classify(c.status, c.header, []byte(c.body), now)
			switch {
			case c.reason != "":
				if network.ReasonOf(err) != c.reason || network.IsTransient(err) {
					t.Fatalf("got %#v, want lost %s", err, c.reason)
				}
			case c.transient:
				var te *network.TransientError
				if !errors.As(err, &te) || te.RetryAfter != c.retry {
					t.Fatalf("got %#v, want transient waiting %v", err, c.retry)
				}
			case c.rejected:
				var re *oauthnet.RejectedError
				if !errors.As(err, &re) {
					t.Fatalf("got %#v, want a refusal", err)
				}
			default:
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if c.words != "" && !strings.Contains(err.Error(), c.words) {
				t.Errorf("%q lacks %q", err, c.words)
			}
			if strings.Contains(err.Error(), "A1b2C3d4E5f") {
				t.Errorf("trace id in %q", err)
			}
		})
	}
}

func FuzzClassify(f *testing.F) {
	for _, b := range []string{contract.GraphPasswordChanged, contract.GraphExpired, contract.GraphInvalidToken, contract.GraphAppRemoved,
		contract.GraphCheckpoint, contract.GraphPermission, contract.GraphAppRateLimit, contract.GraphPageRateLimit, contract.GraphUnknown,
		contract.GraphDuplicate, `{"id":"1"}`, `{"error":"x"}`, `{"error":{"code":-1,"error_subcode":"x"}}`, "{\"error\":{\"message\":\"\xff\",\"code\":190}}"} {
		f.Add(400, "", `{"a":[{"estimated_time_to_regain_access":1e308}]}`, []byte(b))
	}
	f.Add(200, "-3", "{", []byte(`{"id":"1"}`))
	f.Add(0, "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, retryAfter, buc string, body []byte) {
		err := Classify(status, http.Header{"Retry-After": {retryAfter}, "X-Business-Use-Case-Usage": {buc}}, body, now)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("status %d gave no error", status)
			}
			return
		}
		if !utf8.ValidString(err.Error()) {
			t.Fatalf("invalid UTF-8 %q", err)
		}
		var lost *network.LostAccessError
		var te *network.TransientError
		var re *oauthnet.RejectedError
		kinds := 0
		if errors.As(err, &lost) {
			kinds++
			if lost.Reason == account.ReasonNone {
				t.Fatal("no reason")
			}
		}
		if errors.As(err, &te) {
			kinds++
			if te.RetryAfter < 0 || te.RetryAfter > oauthnet.MaxRetryAfter {
				t.Fatalf("RetryAfter %v", te.RetryAfter)
			}
		}
		if errors.As(err, &re) {
			kinds++
		}
		if kinds != 1 {
			t.Fatalf("%#v is %d kinds", err, kinds)
		}
	})
}
