package server

import (
	"net/url"
	"strings"
	"testing"

	"fastcheck/ledger"
	"fastcheck/totp"
)

// FuzzApproveForm feeds arbitrary bodies to the approve page's form
// parser: it never panics, and what it accepts is a valid handle, six
// digits and a 32-hex token, which parse the same again once re-encoded.
func FuzzApproveForm(f *testing.F) {
	tok := strings.Repeat("ab", 16)
	for _, s := range []string{
		"account=mike&code=123456&csrf=" + tok, "account=%20MIKE%20&code=123+456&csrf=" + tok,
		"", "account=mike", "account=mike&account=bob&code=123456&csrf=" + tok, "a=%zz", "code=%00%00",
		"account=<script>&code=123456&csrf=" + tok, "account=mike&code=１２３４５６&csrf=" + tok,
		"account=mike;code=123456", strings.Repeat("&", 3000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := parseApproveForm(body)
		if err != nil {
			if err.Error() == "" || strings.ToUpper(err.Error()[:1]) != err.Error()[:1] || !strings.HasSuffix(err.Error(), ".") {
				t.Fatalf("error %q is not a sentence for the page", err)
			}
			return
		}
		if len(body) > maxApproveForm || !ledger.ValidHandle(form.Account) || !totp.ValidCode(form.Code) || len(form.CSRF) != 32 {
			t.Fatalf("accepted %q as %+v", body, form)
		}
		again, err := parseApproveForm([]byte(url.Values{"account": {form.Account}, "code": {form.Code}, "csrf": {form.CSRF}}.Encode()))
		if err != nil || again != form {
			t.Fatalf("re-encoded %+v parses as %+v, %v", form, again, err)
		}
	})
}
