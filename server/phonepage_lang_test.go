package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fastcheck/server/servertest"
)

// getPage and postPage are the approve page with an Accept-Language.
func getPage(t *testing.T, u, lang string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Language", lang)
	return doPage(t, req)
}

func doPage(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestApprovePageSpeaksTheBrowsersLanguage: a phone whose browser asks for
// Russian gets the page, its errors and its waits in Russian; one that
// asks for English (or for nothing the catalog has) gets English.
func TestApprovePageSpeaksTheBrowsersLanguage(t *testing.T) {
	env := servertest.Start(t)
	app := enrolApp(t, env, "olga")
	c, ws := terminal(t, env)
	u := c.ApproveURL(ws.SessionID)

	resp, body := getPage(t, u, "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7")
	text := pageText(body)
	for _, want := range []string{"Подтверждение входа в Fastcheck", "Отпечаток ключа терминала", c.Fingerprint(),
		"UTC (через ", "Код из приложения-аутентификатора", "Подтвердить вход"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Russian page lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(body, `<html lang="ru">`) || resp.Header.Get("Content-Language") != "ru" ||
		!strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
		t.Errorf("the Russian page's language: html %v, Content-Language %q, Vary %q",
			strings.Contains(body, `<html lang="ru">`), resp.Header.Get("Content-Language"), resp.Header.Get("Vary"))
	}
	for _, lang := range []string{"", "en-GB,en;q=0.9", "de-DE,de;q=0.9", "de;q=0.9,ru;q=0.1,en;q=0.5", "ru;q=0"} {
		if _, body := getPage(t, u, lang); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(pageText(body), "Approve a Fastcheck login") {
			t.Errorf("Accept-Language %q: not the English page:\n%s", lang, pageText(body))
		}
	}

	// A wrong code, in Russian, with the form's own cookie and token.
	p := openApprovePageLang(t, u, "ru")
	req, _ := http.NewRequest("POST", u, strings.NewReader(url.Values{"account": {"olga"}, "code": {app.wrongCode(t, env)}, "csrf": {p.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "ru")
	req.AddCookie(&http.Cookie{Name: p.cookie.Name, Value: p.cookie.Value})
	resp, body = doPage(t, req)
	if resp.StatusCode != 401 || !strings.Contains(pageText(body), "Неверный аккаунт или код.") {
		t.Errorf("a wrong code in Russian: %d %s", resp.StatusCode, pageText(body))
	}
	// An unknown login, in Russian.
	if resp, body := getPage(t, env.URL+"/approve/00000000000000000000000000000000", "ru"); resp.StatusCode != 404 || !strings.Contains(pageText(body), "Такого входа нет") {
		t.Errorf("an unknown login in Russian: %d %s", resp.StatusCode, pageText(body))
	}
}

// openApprovePageLang is openApprovePage with an Accept-Language.
func openApprovePageLang(t *testing.T, u, lang string) approvePage {
	t.Helper()
	resp, body := getPage(t, u, lang)
	p := approvePage{url: u, status: resp.StatusCode, body: body}
	for _, c := range resp.Cookies() {
		if c.Name == "fastcheck_approve" {
			p.cookie = c
		}
	}
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		p.csrf = m[1]
	}
	return p
}
