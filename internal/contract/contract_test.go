package contract

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Every canned body is JSON, and the Graph ones carry the code and subcode
// their names say.
func TestCannedBodies(t *testing.T) {
	bodies := map[string]string{
		"XUser": XUser, "XUnauthorized": XUnauthorized, "XRateLimited": XRateLimited, "XDuplicate": XDuplicate,
		"XClientForbidden": XClientForbidden, "XServiceUnavailable": XServiceUnavailable, "XRefreshRefused": XRefreshRefused,
		"XMissingAuthHeader": XMissingAuthHeader, "LinkedInUserinfo": LinkedInUserinfo, "LinkedInRevoked": LinkedInRevoked,
		"LinkedInInvalid": LinkedInInvalid, "LinkedInExpired": LinkedInExpired, "LinkedInAccessDenied": LinkedInAccessDenied,
		"LinkedInThrottled": LinkedInThrottled, "LinkedInVersionSunset": LinkedInVersionSunset, "LinkedInServerError": LinkedInServerError,
		"GraphPermission": GraphPermission, "GraphPermissionDenied": GraphPermissionDenied, "GraphAppRateLimit": GraphAppRateLimit,
		"GraphUserRateLimit": GraphUserRateLimit, "GraphPageRateLimit": GraphPageRateLimit, "GraphHourlyLimit": GraphHourlyLimit,
		"GraphUnknown": GraphUnknown, "GraphDuplicate": GraphDuplicate, "GraphBadCode": GraphBadCode, "GraphBadClient": GraphBadClient,
		"InstagramPublishLimit": InstagramPublishLimit, "InstagramNotReady": InstagramNotReady,
	}
	for name, b := range bodies {
		if !json.Valid([]byte(b)) {
			t.Errorf("%s is not JSON", name)
		}
	}
	subcodes := map[string]struct {
		body          string
		code, subcode int
	}{
		"GraphAppRemoved": {GraphAppRemoved, 190, 458}, "GraphCheckpoint": {GraphCheckpoint, 190, 459},
		"GraphPasswordChanged": {GraphPasswordChanged, 190, 460}, "GraphExpired": {GraphExpired, 190, 463},
		"GraphInvalidToken": {GraphInvalidToken, 190, 467}, "GraphUnknownToken": {GraphUnknownToken, 190, 0},
	}
	for name, c := range subcodes {
		var v struct {
			Error struct {
				Type    string `json:"type"`
				Code    int    `json:"code"`
				Subcode int    `json:"error_subcode"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(c.body), &v) != nil || v.Error.Type != "OAuthException" || v.Error.Code != c.code || v.Error.Subcode != c.subcode {
			t.Errorf("%s: %+v", name, v)
		}
	}
}

// Servers listen on 127.0.0.1 only and refuse an unregistered redirect.
func TestServersAreLocal(t *testing.T) {
	urls := []string{
		NewX(t, "http://127.0.0.1:1/callback", true).URL, NewLinkedIn(t, "http://127.0.0.1:1/callback", false).URL,
		NewFacebook(t, "https://localhost/cb").URL, NewInstagram(t, "https://localhost/cb").URL, NewThreads(t, "https://localhost/cb").URL,
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("server at %s", u)
		}
	}
	x := NewX(t, "http://127.0.0.1:1/callback", true)
	resp, err := x.Client().Get(x.AuthURL() + "?client_id=" + x.ClientID + "&redirect_uri=http://evil.example/&response_type=code")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unregistered redirect answered %d", resp.StatusCode)
	}
}
