package stripesim

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
)

// pageCSS is the hosted pages' only style. It is inline, allowed by its
// hash, so that the pages need no other file and no 'unsafe-inline'.
const pageCSS = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;line-height:1.4;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1f36;background:#fff}
header p{margin:0 0 1rem}
.card{border:1px solid #e3e8ee;border-radius:8px;padding:1.25rem}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1rem;margin:1.25rem 0 .25rem}
.items{padding:0;margin:0 0 1rem;list-style:none}
.totals{margin:0 0 1rem}
.totals div{display:flex;justify-content:space-between;gap:1rem}
.totals dd{margin:0}
.amount{font-size:2rem;font-weight:600}
form{margin:0}
button{display:block;width:100%;margin:.5rem 0;padding:.75rem;font-size:1rem;border-radius:6px;border:1px solid #4b45c6;background:#fff;color:#4b45c6;cursor:pointer}
button.primary{background:#4b45c6;color:#fff}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #1a1f36;outline-offset:2px}
label{display:block;font-weight:600;margin-top:1.25rem}
input{display:block;width:100%;padding:.6rem;font-size:1rem;border:1px solid #6b7385;border-radius:6px;color:#1a1f36}
a{color:#3d37a8}
.note{color:#4f566b;font-size:.9rem}
.error{color:#b3261e;margin:.25rem 0}
.test{display:inline-block;background:#ffde92;color:#7a3008;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:600}
`

func cssHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// pageHeaders are the hosted pages' security headers, as the shop sends
// its own: nothing but the page's own style, no scripts, no framing (a
// framed pay button is a clickjacking target), no referrer (the page's URL
// holds the session id, which is all it takes to pay or settle it). The
// forms post to the page itself, which redirects to the shop: Chrome
// checks form-action against that redirect too.
func (s *Simulator) pageHeaders() http.Header {
	h := http.Header{}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+cssHash(pageCSS)+
		"; form-action 'self' "+s.shop.origin()+"; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	return h
}

// page wraps a hosted page's handler: its security headers on every
// answer, refusals included, and Go's cross-origin protection, which
// refuses a POST a browser sends from another site (a forged payment or
// settlement) with 403.
func (s *Simulator) page(cop *http.CrossOriginProtection, h http.HandlerFunc) http.Handler {
	headers := s.pageHeaders()
	protected := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header()[k] = v
		}
		protected.ServeHTTP(w, r)
	})
}

// crossOriginProtection trusts the origin browsers reach the pages at, for
// when a proxy in front of the simulation changes the Host header.
func crossOriginProtection(publicURL string) (*http.CrossOriginProtection, error) {
	u, err := url.Parse(publicURL)
	if err != nil {
		return nil, err
	}
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
		return nil, err
	}
	return cop, nil
}
