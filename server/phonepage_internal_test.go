package server

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"fastcheck/i18n"
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
	locales := []*i18n.Locale{i18n.New(i18n.English, time.UTC), i18n.New(i18n.Russian, time.UTC)}
	f.Fuzz(func(t *testing.T, body []byte) {
		l := locales[len(body)%2]
		form, err := parseApproveForm(l, body)
		if err != nil {
			first, _ := utf8.DecodeRuneInString(err.Error())
			if !unicode.IsUpper(first) || !strings.HasSuffix(err.Error(), ".") {
				t.Fatalf("error %q is not a sentence for the page", err)
			}
			return
		}
		if len(body) > maxApproveForm || !ledger.ValidHandle(form.Account) || !totp.ValidCode(form.Code) || len(form.CSRF) != 32 {
			t.Fatalf("accepted %q as %+v", body, form)
		}
		again, err := parseApproveForm(l, []byte(url.Values{"account": {form.Account}, "code": {form.Code}, "csrf": {form.CSRF}}.Encode()))
		if err != nil || again != form {
			t.Fatalf("re-encoded %+v parses as %+v, %v", form, again, err)
		}
	})
}
