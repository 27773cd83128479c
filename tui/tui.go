// Package tui is the Fastcheck wallet in the terminal: the QR login, the
// balance with the active checks and the history, creating, accepting and
// cancelling checks, and handing a check over as a QR code.
//
// The package keeps no package-level mutable state and builds every style
// from the renderer it is given, so an SSH server can run one program per
// session: New(opts) is the model, Run(ctx, opts, in, out) the whole program.
// How keys and sessions are stored is the caller's business: the client
// carries the key (and a saved session), SaveSession and ClearSession
// persist a session id.
package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"fastcheck/client"
)

// Options configure one wallet session.
type Options struct {
	// Client talks to the server. It must carry the terminal's signing key;
	// if it also carries a session (client.Options.SessionID), the wallet
	// resumes that session when it is still approved. Nil shows the "no
	// server configured" screen, which offers the demo (ErrDemoRequested).
	Client *client.Client
	// Renderer builds every style and carries the clipboard (OSC 52)
	// output. Nil: lipgloss.NewRenderer(out) in Run, the default renderer
	// in New. Over SSH pass bubbletea.MakeRenderer(session).
	Renderer *lipgloss.Renderer
	// SaveSession is called with the websession id after the phone
	// approves a login; ClearSession after a logout or when the server
	// says the session is no longer valid. Either may be nil.
	SaveSession  func(id string) error
	ClearSession func() error
	// ServerURL is shown on the login screen (default: Client.BaseURL()).
	ServerURL string
	// Lang is "en" or "ru" (a locale such as "ru_RU.UTF-8" works too).
	// Empty: from LC_ALL, LC_MESSAGES or LANG (see i18n.FromEnv).
	Lang string
	// DemoApprove, when set, offers a demo-only key on the login screen
	// that approves the shown login as DemoUser, standing in for the phone
	// (fastcheck demo). Never set it against a real server.
	DemoApprove func(ctx context.Context, sessionID, fingerprint string) error
	DemoUser    string
	// RefreshInterval is the wallet's quiet refresh (default 30 s);
	// PingInterval the pace of GET /ping while the server answers
	// (default 15 s). Nothing polls while it is not on screen.
	RefreshInterval time.Duration
	PingInterval    time.Duration
	// Now and Location are the clock and the time zone dates are shown in
	// (defaults time.Now and time.Local); tests pin them.
	Now      func() time.Time
	Location *time.Location
	// OpenURL opens a bank payment page in the local browser; nil hides
	// the key (over SSH). Run sets it to xdg-open when that is installed.
	OpenURL func(url string) error
	// PaymentPollInterval is the pace of the top-up and withdrawal status
	// polls while their screen is open (default 1 s).
	PaymentPollInterval time.Duration
	// Settled, when set, is called once, in Update, when the wallet has
	// first shown the user's data (the balance, the active checks and the
	// history): start-up and the first load are over, and from now on the
	// wallet mostly waits. The local wallet then goes to one P.
	Settled func()
	// Support opens the read-only staff view after the login instead of
	// the wallet (fastcheck support): the header says STAFF, and no
	// screen or key that moves money is reachable.
	Support bool
}

// ErrDemoRequested is returned by Run when no server is configured and the
// user asked for the demo: the caller starts it and runs the wallet again.
var ErrDemoRequested = errors.New("tui: the user asked for the demo")

// New builds the wallet model for one session. Its commands (the login
// long-poll, API calls) stop when it quits.
func New(opts Options) tea.Model {
	return newModel(context.Background(), opts)
}

// NewContext is New whose commands also stop when ctx ends: over SSH pass
// the session's context, so a dropped connection ends the long-poll too.
func NewContext(ctx context.Context, opts Options) tea.Model {
	return newModel(ctx, opts)
}

// Run runs the wallet full-screen on in and out (os.Stdin and os.Stdout for
// a local terminal) until the user quits or ctx ends. It returns
// ErrDemoRequested if the user asked for the demo on the "no server" screen.
func Run(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	if out == nil {
		out = os.Stdout
	}
	if opts.Renderer == nil {
		opts.Renderer = lipgloss.NewRenderer(out)
	}
	if opts.OpenURL == nil {
		opts.OpenURL = xdgOpen()
	}
	m := newModel(ctx, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(out), tea.WithAltScreen(), tea.WithMouseCellMotion()}
	if in != nil {
		popts = append(popts, tea.WithInput(in))
	}
	p := tea.NewProgram(m, popts...)
	final, err := p.Run()
	m.shutdown()
	if err != nil {
		if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return nil
		}
		return err
	}
	if fm, ok := final.(*Model); ok {
		return fm.exitErr
	}
	return nil
}
