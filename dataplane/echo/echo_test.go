package echo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestAnswerNamesInstanceAndCaller(t *testing.T) {
	s := New(Identity{Service: "echo", Version: "v2", Zone: "zone-b", Instance: "e-1"})
	w := do(t, s.Handler(), "GET", "/p", map[string]string{"X-Forwarded-Client-Cert": "By=spiffe://default/echo;Hash=ab;URI=spiffe://default/web"})
	var r Reply
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || w.Header().Get(ZoneHeader) != "zone-b" || r.Caller != "spiffe://default/web" || r.Version != "v2" || r.Instance != "e-1" || r.Path != "/p" {
		t.Fatalf("%d %v %+v", w.Code, w.Header(), r)
	}
	if got := CallerFromXFCC(""); got != "" {
		t.Fatalf("no header: caller %q", got)
	}
}

func TestControlEndpoints(t *testing.T) {
	s := New(Identity{Service: "echo", Zone: "z"})
	h := s.Handler()
	if w := do(t, h, "POST", "/_control/fail?share=0.25&code=502", nil); w.Code != 200 {
		t.Fatalf("fail: %d %s", w.Code, w.Body)
	}
	failed := 0
	for i := 0; i < 100; i++ {
		if w := do(t, h, "GET", "/", nil); w.Code == 502 {
			failed++
		}
	}
	if failed != 25 {
		t.Fatalf("share 0.25 failed %d of 100", failed)
	}
	do(t, h, "POST", "/_control/ready?value=false", nil)
	if w := do(t, h, "GET", "/ready", nil); w.Code != 503 {
		t.Fatalf("/ready after flip: %d", w.Code)
	}
	do(t, h, "POST", "/_control/reset", nil)
	if w := do(t, h, "GET", "/ready", nil); w.Code != 200 {
		t.Fatalf("/ready after reset: %d", w.Code)
	}
	for _, bad := range []string{"/_control/fail?share=2", "/_control/fail?share=0.5&code=9", "/_control/delay?delay=soon", "/_control/ready?value=maybe"} {
		if w := do(t, h, "POST", bad, nil); w.Code != 400 {
			t.Fatalf("%s: %d, want 400", bad, w.Code)
		}
	}
}
