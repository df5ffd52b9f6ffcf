package contract

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/socialomm/desktop/internal/fositetest"
)

// FositeXAPI puts X's GET /2/users/me in front of a fositetest server's
// /userinfo, so the X adapter can check tokens the strict server issued:
// a valid token answers {"data":{"id":sub,"name":sub,"username":sub}}, any
// other answers X's 401 (XUnauthorized). It returns the API base URL.
func FositeXAPI(t testing.TB, fs *fositetest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("contract: listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2/users/me" {
			http.NotFound(w, r)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, fs.UserinfoURL(), nil)
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			write(w, Answer{Status: http.StatusServiceUnavailable, Body: XServiceUnavailable})
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var info struct {
			Sub string `json:"sub"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &info) != nil || info.Sub == "" {
			write(w, Answer{Status: http.StatusUnauthorized, Body: XUnauthorized})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"id": info.Sub, "name": info.Sub, "username": info.Sub}})
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}
