package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"fastcheck/api"
	"fastcheck/client"
)

// The staff view (Options.Support): after the same QR login, support staff
// search accounts by userId prefix, read one account (balance, active
// checks, history, failed accepts and locked checks) and look up any check.
// It only reads: it has no key that moves money, the root never opens the
// wallet's money screens in this mode, and the server refuses staff
// anything but reads anyway. Every read is logged by the server.

type supportView int

const (
	supSearch  supportView = iota // the search fields and the accounts found
	supAccount                    // one account, in three tabs
	supCheck                      // one check's details
)

const (
	supTabActive = iota
	supTabHistory
	supTabFailed
	supTabs
)

// Which field has the focus (it then gets every key).
const (
	focusNone = iota
	focusPrefix
	focusNumber
)

// Messages of the staff view.
type (
	staffFoundMsg struct {
		prefix string
		rows   []api.StaffAccountRow
		more   bool
		err    error
	}
	staffAccountMsg struct {
		acc api.StaffAccount
		err error
	}
	staffCheckMsg struct {
		check api.StaffCheck
		err   error
	}
)

// failedRow is a row of the "failed & locked" tab: a check of the account
// locked by wrong codes, or a failed accept the account made.
type failedRow struct {
	locked *api.StaffCheck
	failed *api.StaffFailedAccept
}

// supportKeys are the staff view's own bindings.
type supportKeys struct {
	Search, Lookup, Tab3, Open, Submit, Switch, Leave key.Binding
}

type supportPage struct {
	c      *common
	logout func() tea.Cmd
	keys   supportKeys
	badge  paint

	w, h  int
	shown supportView
	back  supportView // where esc leaves the check view for

	prefix, number textinput.Model
	focus          int
	problem        string // what is wrong with the focused field's text

	searched  string // the prefix of the accounts shown
	found     []api.StaffAccountRow
	more      bool
	foundList listState

	acc    *api.StaffAccount
	failed []failedRow
	tab    int
	lists  [supTabs]listState

	check *api.StaffCheck

	busy     bool
	notStaff bool // the server said 403: this login is not staff
}

func newSupportPage(c *common, logout func() tea.Cmd) *supportPage {
	tr := c.tr
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, tr.T(desc)))
	}
	p := &supportPage{c: c, logout: logout}
	p.keys = supportKeys{
		Search: b([]string{"/"}, "/", "staff.keysearch"),
		Lookup: b([]string{"c"}, "c", "staff.keylookup"),
		Tab3:   b([]string{"3"}, "3", "staff.keytab3"),
		Open:   b([]string{"enter"}, "enter", "staff.keyopen"),
		Submit: b([]string{"enter"}, "enter", "staff.keysubmit"),
		Switch: b([]string{"tab", "shift+tab", "up", "down"}, "tab", "staff.keyswitch"),
		Leave:  b([]string{"esc"}, "esc", "staff.keyleave"),
	}
	p.badge = paintOf(c.opts.Renderer.NewStyle().Foreground(lipgloss.Color("#FFFFFF")).Background(colBannerBg).Bold(true).Padding(0, 1))
	p.prefix = newTextInput(c.st, "/ ", tr.T("staff.prefixph"), api.MaxUserIDPrefix)
	p.number = newTextInput(c.st, "c ", tr.T("staff.numberph"), 20)
	return p
}

func (p *supportPage) title() string   { return p.c.tr.T("staff.title") }
func (p *supportPage) capturing() bool { return p.focus != focusNone }

// headerBadge is the STAFF mark the root puts in the header of every
// screen in this mode.
func (p *supportPage) headerBadge() string { return p.badge.Render(p.c.tr.T("staff.badge")) }

func (p *supportPage) reset() {
	p.shown, p.back = supSearch, supSearch
	p.prefix.SetValue("")
	p.number.SetValue("")
	p.setFocus(focusNone)
	p.searched, p.found, p.more = "", nil, false
	p.foundList = listState{height: p.foundList.height}
	p.acc, p.failed, p.check = nil, nil, nil
	p.tab = supTabActive
	p.busy, p.notStaff = false, false
}

func (p *supportPage) enter() tea.Cmd {
	if p.shown == supSearch && p.found == nil {
		return p.setFocus(focusPrefix)
	}
	return nil
}

func (p *supportPage) leave() { p.setFocus(focusNone) }

func (p *supportPage) setFocus(f int) tea.Cmd {
	p.focus, p.problem = f, ""
	p.prefix.Blur()
	p.number.Blur()
	switch f {
	case focusPrefix:
		return p.prefix.Focus()
	case focusNumber:
		return p.number.Focus()
	}
	return nil
}

// Calls. Each is one audited read on the server.

// call runs one staff read with the call timeout.
func (p *supportPage) call(read func(ctx context.Context, cl *client.Client) tea.Msg) tea.Cmd {
	cl, ctx := p.c.client, p.c.ctx
	p.busy = true
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		return read(ctx, cl)
	}
}

func (p *supportPage) findCmd(prefix string) tea.Cmd {
	return p.call(func(ctx context.Context, cl *client.Client) tea.Msg {
		rows, more, err := cl.StaffFindAccounts(ctx, prefix)
		return staffFoundMsg{prefix: prefix, rows: rows, more: more, err: err}
	})
}

func (p *supportPage) accountCmd(userID string) tea.Cmd {
	return p.call(func(ctx context.Context, cl *client.Client) tea.Msg {
		acc, err := cl.StaffAccount(ctx, userID)
		return staffAccountMsg{acc: acc, err: err}
	})
}

func (p *supportPage) checkCmd(number string) tea.Cmd {
	return p.call(func(ctx context.Context, cl *client.Client) tea.Msg {
		ch, err := cl.StaffCheck(ctx, number)
		return staffCheckMsg{check: ch, err: err}
	})
}

// failedCall shows what went wrong with a staff read: a 403 stays on the
// screen (this login is not staff), a 404 says what was not found, the
// rest goes where every view's errors go.
func (p *supportPage) failedCall(err error, notFound string) tea.Cmd {
	switch {
	case isKind(err, client.ErrForbidden):
		p.notStaff = true
		return nil
	case isKind(err, client.ErrNotFound):
		return msgCmd(flashMsg{text: p.c.tr.T(notFound), err: true})
	}
	return p.c.fail(err)
}

func (p *supportPage) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case staffFoundMsg:
		p.busy = false
		if msg.err != nil {
			return p.failedCall(msg.err, "staff.noaccount")
		}
		p.notStaff = false
		p.searched, p.found, p.more = msg.prefix, msg.rows, msg.more
		if p.found == nil {
			p.found = []api.StaffAccountRow{}
		}
		p.foundList.cursor = 0
		p.foundList.setN(len(p.found))
		p.shown = supSearch
	case staffAccountMsg:
		p.busy = false
		if msg.err != nil {
			return p.failedCall(msg.err, "staff.noaccount")
		}
		p.notStaff = false
		keep := p.acc != nil && p.acc.UserID == msg.acc.UserID
		a := msg.acc
		p.acc = &a
		p.failed = p.failed[:0]
		for i := range a.Active {
			if a.Active[i].State == api.CheckLocked {
				p.failed = append(p.failed, failedRow{locked: &a.Active[i]})
			}
		}
		for i := range a.FailedAccepts {
			p.failed = append(p.failed, failedRow{failed: &a.FailedAccepts[i]})
		}
		if !keep {
			p.tab = supTabActive
			for i := range p.lists {
				p.lists[i].cursor = 0
			}
		}
		p.lists[supTabActive].setN(len(a.Active))
		p.lists[supTabHistory].setN(len(a.History))
		p.lists[supTabFailed].setN(len(p.failed))
		p.shown = supAccount
	case staffCheckMsg:
		p.busy = false
		if msg.err != nil {
			return p.failedCall(msg.err, "err.notfound")
		}
		p.notStaff = false
		ch := msg.check
		p.show(&ch)
	case tea.KeyMsg:
		return p.key(msg)
	case mouseMsg:
		return p.mouse(msg)
	}
	return nil
}

// show opens the check view, returning to the current view on esc.
func (p *supportPage) show(ch *api.StaffCheck) {
	if p.shown != supCheck {
		p.back = p.shown
	}
	p.check, p.shown = ch, supCheck
}

func (p *supportPage) list() *listState {
	if p.shown == supAccount {
		return &p.lists[p.tab]
	}
	return &p.foundList
}

func (p *supportPage) key(k tea.KeyMsg) tea.Cmd {
	keys := p.c.keys
	if p.focus != focusNone {
		return p.fieldKey(k)
	}
	switch {
	case key.Matches(k, p.keys.Search):
		return p.setFocus(focusPrefix)
	case key.Matches(k, p.keys.Lookup):
		return p.setFocus(focusNumber)
	case key.Matches(k, keys.Logout):
		return p.c.send(confirmMsg{title: p.c.tr.T("logout.title"), body: p.c.tr.T("logout.body"), yes: p.logout()})
	case key.Matches(k, keys.Refresh):
		return p.refresh()
	case key.Matches(k, keys.Back):
		switch p.shown {
		case supCheck:
			p.shown, p.check = p.back, nil
		case supAccount:
			p.shown = supSearch
		}
		return nil
	}
	if p.shown == supCheck {
		return nil
	}
	switch {
	case p.list().navigate(k, keys):
	case key.Matches(k, p.keys.Open):
		return p.open()
	case p.shown == supAccount && key.Matches(k, keys.Tab1):
		p.tab = supTabActive
	case p.shown == supAccount && key.Matches(k, keys.Tab2):
		p.tab = supTabHistory
	case p.shown == supAccount && key.Matches(k, p.keys.Tab3):
		p.tab = supTabFailed
	case p.shown == supAccount && key.Matches(k, keys.NextTab):
		p.tab = (p.tab + 1) % supTabs
	case p.shown == supAccount && key.Matches(k, keys.PrevTab):
		p.tab = (p.tab + supTabs - 1) % supTabs
	}
	return nil
}

// fieldKey handles a key while a field has the focus.
func (p *supportPage) fieldKey(k tea.KeyMsg) tea.Cmd {
	tr := p.c.tr
	switch {
	case key.Matches(k, p.keys.Leave):
		return p.setFocus(focusNone)
	case key.Matches(k, p.keys.Switch):
		if p.focus == focusPrefix {
			return p.setFocus(focusNumber)
		}
		return p.setFocus(focusPrefix)
	case key.Matches(k, p.keys.Submit):
		if p.focus == focusPrefix {
			v := strings.TrimSpace(p.prefix.Value())
			if err := api.CheckUserIDPrefix(v); err != nil {
				p.problem = tr.T("staff.badchars")
				if len(v) < api.MinUserIDPrefix {
					p.problem = tr.Tf("staff.shortprefix", api.MinUserIDPrefix)
				}
				return nil
			}
			p.setFocus(focusNone)
			return p.findCmd(v)
		}
		n, err := api.NormalizeCheckNumber(p.number.Value())
		if err != nil {
			p.problem = tr.T("staff.badnumber")
			return nil
		}
		p.number.SetValue(n)
		p.setFocus(focusNone)
		return p.checkCmd(n)
	}
	var cmd tea.Cmd
	if p.focus == focusPrefix {
		p.prefix, cmd = p.prefix.Update(k)
	} else {
		p.number, cmd = p.number.Update(k)
	}
	p.problem = ""
	return cmd
}

// open reads what the cursor is on: an account found, a check of the
// account (from what the account read brought), a failed accept's check.
func (p *supportPage) open() tea.Cmd {
	l := p.list()
	if l.n == 0 {
		return nil
	}
	i := l.cursor
	switch {
	case p.shown == supSearch:
		return p.accountCmd(p.found[i].UserID)
	case p.tab == supTabActive:
		p.show(&p.acc.Active[i])
	case p.tab == supTabHistory:
		p.show(&p.acc.History[i])
	case p.failed[i].locked != nil:
		p.show(p.failed[i].locked)
	default:
		return p.checkCmd(p.failed[i].failed.Fastcheck)
	}
	return nil
}

// refresh reads what is on screen again.
func (p *supportPage) refresh() tea.Cmd {
	switch {
	case p.shown == supCheck && p.check != nil:
		return p.checkCmd(p.check.Fastcheck)
	case p.shown == supAccount && p.acc != nil:
		return p.accountCmd(p.acc.UserID)
	case p.searched != "":
		return p.findCmd(p.searched)
	}
	return nil
}

// Geometry: rows 0 and 1 are the fields, row 2 a note or a rule; the
// search list has its column heads on row 3. The account view has its
// userId and balance on rows 3 and 4, tabs on row 5, the rule on 6 and
// column heads on 7.
const (
	supFoundTop   = 4
	supAccountTop = 8
)

func (p *supportPage) setSize(w, h int) {
	p.w, p.h = w, h
	p.foundList.setHeight(h - supFoundTop - 2) // room for the "more match" note
	for i := range p.lists {
		p.lists[i].setHeight(h - supAccountTop)
	}
	fw := max(w-cellWidth(p.label())-6, 10)
	p.prefix.Width, p.number.Width = fw, fw
}

func (p *supportPage) mouse(e mouseMsg) tea.Cmd {
	if e.Action != tea.MouseActionPress || p.shown == supCheck {
		return nil
	}
	switch e.Button {
	case tea.MouseButtonWheelUp:
		p.list().scroll(-1)
	case tea.MouseButtonWheelDown:
		p.list().scroll(1)
	case tea.MouseButtonLeft:
		top := supFoundTop
		if p.shown == supAccount {
			top = supAccountTop
		}
		p.list().clickRow(e.Y - top)
	}
	return nil
}

// Help.

func (p *supportPage) ShortHelp() []key.Binding {
	k, sk := p.c.keys, p.keys
	if p.focus != focusNone {
		return []key.Binding{sk.Submit, sk.Switch, sk.Leave}
	}
	switch p.shown {
	case supCheck:
		return []key.Binding{k.Back, k.Refresh}
	case supAccount:
		out := []key.Binding{with(k.NextTab, "tab", p.c.tr.T("short.tab"))}
		if p.list().n > 0 {
			out = append(out, sk.Open)
		}
		return append(out, k.Back, sk.Search, sk.Lookup)
	}
	var out []key.Binding
	if len(p.found) > 0 {
		out = append(out, sk.Open)
	}
	return append(out, sk.Search, sk.Lookup, k.Logout)
}

func (p *supportPage) FullHelp() [][]key.Binding {
	k, sk := p.c.keys, p.keys
	if p.focus != focusNone {
		return [][]key.Binding{{sk.Submit, sk.Switch, sk.Leave}}
	}
	groups := [][]key.Binding{{sk.Search, sk.Lookup}}
	switch p.shown {
	case supAccount:
		groups = append(groups, []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.NextTab, k.Tab1, k.Tab2, sk.Tab3, sk.Open, k.Back})
	case supSearch:
		groups = append(groups, []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, sk.Open})
	case supCheck:
		groups = append(groups, []key.Binding{k.Back})
	}
	return append(groups, []key.Binding{k.Refresh, k.Logout})
}

// View.

func (p *supportPage) label() string {
	tr := p.c.tr
	return widest(tr.T("staff.findlabel"), tr.T("staff.checklabel"))
}

func widest(ss ...string) string {
	w := ""
	for _, s := range ss {
		if cellWidth(s) > cellWidth(w) {
			w = s
		}
	}
	return w
}

func (p *supportPage) view() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	st, tr := p.c.st, p.c.tr
	lw := cellWidth(p.label())
	field := func(label string, in *textinput.Model, focused bool) string {
		mark := "  "
		if focused {
			mark = st.accent.Render("› ")
		}
		var v string
		switch {
		case focused:
			v = in.View()
		case in.Value() != "":
			v = st.muted.Render(in.Prompt) + st.value.Render(client.Sanitize(in.Value()))
		default:
			v = st.faint.Render(in.Prompt + in.Placeholder)
		}
		return truncate(mark+st.label.Render(padRight(label, lw))+"  "+v, p.w)
	}
	lines := []string{
		field(tr.T("staff.findlabel"), &p.prefix, p.focus == focusPrefix),
		field(tr.T("staff.checklabel"), &p.number, p.focus == focusNumber),
	}
	switch {
	case p.problem != "":
		lines = append(lines, "  "+st.err.Render(truncate(p.problem, p.w-2)))
	case p.busy:
		lines = append(lines, "  "+st.muted.Render(tr.T("wallet.loading")))
	default:
		lines = append(lines, st.rule.Render(strings.Repeat("─", p.w)))
	}
	switch {
	case p.notStaff:
		lines = append(lines, "")
		for _, l := range wrap(tr.T("staff.notstaff"), p.w-4) {
			lines = append(lines, "  "+st.err.Render(l))
		}
	case p.shown == supCheck && p.check != nil:
		lines = append(lines, p.checkLines()...)
	case p.shown == supAccount && p.acc != nil:
		lines = append(lines, p.accountLines()...)
	default:
		lines = append(lines, p.foundLines()...)
	}
	return strings.Join(lines, "\n")
}

// maxWrongCodes is how many wrong codes lock a check on the server
// (ledger.MaxCodeFailures).
const maxWrongCodes = 5

// Column widths.
const (
	supColBalance = 17
	supColState   = 12
	supColWrong   = 6
	supColRole    = 9
)

// stateWords are the message ids of the check states.
var stateWords = map[string]string{
	api.CheckActive: "check.active", api.CheckLocked: "check.locked", api.CheckUsed: "staff.stateused",
	api.CheckExpired: "staff.stateexpired", api.CheckCancelled: "staff.statecancelled",
}

// stateText is a check state in words.
func (p *supportPage) stateText(s string) string {
	if id, ok := stateWords[s]; ok {
		return p.c.tr.T(id)
	}
	return client.Sanitize(s)
}

func (p *supportPage) when(s string) string {
	t := parseTime(s)
	if t.IsZero() {
		return "—"
	}
	if narrow(p.w) {
		return p.c.tr.Date(t)
	}
	return p.c.tr.DateTime(t)
}

// rows draws the visible rows of l; empty is the text of an empty list.
func (p *supportPage) rows(l *listState, head, empty string, row func(i int) string) []string {
	st := p.c.st
	out := []string{st.rowHeader.Render(truncate(head, p.w))}
	if l.n == 0 {
		return append(out, "", "  "+st.muted.Render(truncate(empty, p.w-2)))
	}
	from, to := l.window()
	for i := from; i < to; i++ {
		line := row(i)
		if i == l.cursor {
			out = append(out, st.rowSel.Render(padRight("› "+line, p.w)))
		} else {
			out = append(out, truncate("  "+line, p.w))
		}
	}
	return out
}

func (p *supportPage) foundLines() []string {
	st, tr := p.c.st, p.c.tr
	if p.found == nil {
		return []string{"", "  " + st.muted.Render(truncate(tr.T("staff.hint"), p.w-2))}
	}
	// The whole userId where it fits (the account view always shows it whole).
	uw := min(api.MaxUserIDPrefix, p.w-2-2-supColBalance)
	withDate := p.w >= 2+uw+2+supColBalance+2+10
	head := "  " + padRight(tr.T("staff.coluser"), uw) + "  " + padLeft(tr.T("staff.colbalance"), supColBalance)
	if withDate {
		head += "  " + tr.T("staff.opened")
	}
	out := p.rows(&p.foundList, head, tr.Tf("staff.none", client.Sanitize(p.searched)), func(i int) string {
		a := p.found[i]
		line := padRight(truncate(client.Sanitize(a.UserID), uw), uw) + "  " + padLeft(tr.Money(a.Balance, client.Sanitize(a.Currency)), supColBalance)
		if withDate {
			line += "  " + tr.Date(parseTime(a.CreatedAt))
		}
		return line
	})
	if p.more {
		out = append(out, "", "  "+st.warn.Render(truncate(tr.Tf("staff.more", len(p.found)), p.w-2)))
	}
	return out
}

func (p *supportPage) accountLines() []string {
	st, tr := p.c.st, p.c.tr
	a := p.acc
	lw := cellWidth(widest(tr.T("staff.account"), tr.T("staff.balance")))
	out := []string{
		truncate(" "+st.label.Render(padRight(tr.T("staff.account"), lw))+"  "+st.big.Render(client.Sanitize(a.UserID)), p.w),
		truncate(" "+st.label.Render(padRight(tr.T("staff.balance"), lw))+"  "+st.value.Render(tr.Money(a.Balance, client.Sanitize(a.Currency)))+
			"   "+st.label.Render(tr.T("staff.opened"))+"  "+p.when(a.CreatedAt), p.w),
	}
	labels := []string{
		tr.Tf("staff.tabactive", len(a.Active)),
		tr.Tf("staff.tabhistory", len(a.History)),
		tr.Tf("staff.tabfailed", len(p.failed)),
	}
	out = append(out, truncate(tabsText(st, labels, p.tab, "  "), p.w))
	rule := st.rule.Render(strings.Repeat("─", p.w))
	if p.tab == supTabHistory && a.HistoryMore {
		note := " " + tr.Tf("staff.historymore", len(a.History)) + " "
		rule = st.rule.Render("──") + st.warn.Render(note) + st.rule.Render(strings.Repeat("─", max(p.w-2-cellWidth(note), 0)))
	}
	out = append(out, rule)
	l := &p.lists[p.tab]
	wide := !narrow(p.w)
	// The active and history tabs: number, amount, state, one more column
	// (wrong codes or role), and a date where it fits.
	checks := func(rows []api.StaffCheck, col, date, empty string, cw int, cell func(c api.StaffCheck) (string, string)) []string {
		head := "  " + padRight(tr.T("col.number"), colNumber) + "  " + padLeft(tr.T("col.amount"), colAmount) + "  " +
			padRight(tr.T("staff.colstate"), supColState) + "  " + padRight(tr.T(col), cw)
		if wide {
			head += "  " + tr.T(date)
		}
		return p.rows(l, head, tr.T(empty), func(i int) string {
			c := rows[i]
			v, when := cell(c)
			line := padRight(client.Sanitize(c.Fastcheck), colNumber) + "  " + padLeft(tr.Money(c.Amount, client.Sanitize(c.Currency)), colAmount) + "  " +
				padRight(p.stateText(c.State), supColState) + "  " + padRight(v, cw)
			if wide {
				line += "  " + p.when(when)
			}
			return line
		})
	}
	switch p.tab {
	case supTabActive:
		return append(out, checks(a.Active, "staff.colwrong", "details.expires", "staff.noactive", supColWrong, func(c api.StaffCheck) (string, string) {
			return fmt.Sprintf("%d", c.FailedAttempts), c.Expiration
		})...)
	case supTabHistory:
		return append(out, checks(a.History, "staff.colrole", "details.resolved", "staff.nohistory", supColRole, func(c api.StaffCheck) (string, string) {
			if c.Creator != a.UserID {
				return tr.T("staff.roleaccepted"), c.ResolvedAt
			}
			return tr.T("staff.rolecreated"), c.ResolvedAt
		})...)
	}
	dw := colDate
	if narrow(p.w) {
		dw = 10
	}
	head := "  " + padRight(tr.T("staff.colwhen"), dw) + "  " + padRight(tr.T("col.number"), colNumber) + "  " + tr.T("col.what")
	return append(out, p.rows(l, head, tr.T("staff.nofailed"), func(i int) string {
		r := p.failed[i]
		if r.locked != nil {
			c := r.locked
			return padRight(p.when(c.CreatedAt), dw) + "  " + padRight(client.Sanitize(c.Fastcheck), colNumber) + "  " +
				tr.Tf("staff.lockedrow", c.FailedAttempts, tr.Money(c.Amount, client.Sanitize(c.Currency)))
		}
		f := r.failed
		what := tr.T("staff.wrongcode")
		if f.Reason == "not_found" {
			what = tr.T("staff.nosuchcheck")
		}
		return padRight(p.when(f.At), dw) + "  " + padRight(client.Sanitize(f.Fastcheck), colNumber) + "  " + what
	})...)
}

func (p *supportPage) checkLines() []string {
	st, tr := p.c.st, p.c.tr
	c := p.check
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return client.Sanitize(s)
	}
	rows := [][2]string{
		{tr.T("details.number"), st.big.Render(client.Sanitize(c.Fastcheck))},
		{tr.T("details.amount"), tr.Money(c.Amount, client.Sanitize(c.Currency))},
		{tr.T("details.state"), p.stateText(c.State)},
		{tr.T("staff.wrongcodes"), tr.Tf("staff.attempts", c.FailedAttempts, maxWrongCodes)},
		{tr.T("staff.creator"), dash(c.Creator)},
		{tr.T("staff.redeemer"), dash(c.Redeemer)},
		{tr.T("details.created"), p.when(c.CreatedAt)},
		{tr.T("details.expires"), p.when(c.Expiration)},
		{tr.T("details.resolved"), p.when(c.ResolvedAt)},
	}
	lw := 0
	for _, r := range rows {
		lw = max(lw, cellWidth(r[0]))
	}
	out := []string{""}
	for _, r := range rows {
		out = append(out, truncate(" "+st.label.Render(padRight(r[0], lw))+"  "+r[1], p.w))
	}
	return out
}

// supportMayOpen reports whether the root may open page to in support
// mode: the login, the staff view and the "no server" screen, never a
// screen that moves money.
func supportMayOpen(to pageID) bool {
	return to == pageLogin || to == pageSupport || to == pageSetup
}
