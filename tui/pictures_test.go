package tui

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// The README's pictures (assets/*.png) are golden screens replayed in
// colour and photographed by freeze: `make pictures` runs the golden tests
// below with -pictures DIR, which writes each screen's colour frame (ANSI)
// and a manifest line into DIR, then renders the frames and copies the
// manifest to assets/pictures.sum. Without the flag, the same golden
// tests replay the screen in colour and fail when the golden file or the
// colour frame no longer matches the manifest: the pictures are then older
// than the screens, and `make pictures` brings them up to date.

var picturesDir = flag.String("pictures", "", "write the README pictures' colour frames (ANSI) and manifest lines into `DIR` (make pictures)")

// pictures: the golden subtest → the picture's name in assets/.
var pictures = map[string]string{
	"TestGoldenLogin/en_80x24":         "login",
	"TestGoldenWallet/en_80x24":        "wallet",
	"TestGoldenCreate/en_80x24/result": "create-result",
}

const picturesManifest = "../assets/pictures.sum"

// colourRenderer is a true-colour renderer on a dark background, as the
// pictures show the wallet.
func colourRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	return r
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// manifestLine is one picture: its name, the golden file it shows (and its
// hash), and the hash of the colour frame freeze rendered.
func manifestLine(name, golden, frame string, goldenPath string) string {
	return fmt.Sprintf("%s %s %s %s", name, sha(golden), sha(frame), goldenPath)
}

// picture replays a golden screen that the README shows in colour: with
// -pictures it writes the frame and its manifest line, else it checks
// them against assets/pictures.sum.
func (g *goldenRun) picture(golden string) {
	t := g.t
	t.Helper()
	name, ok := pictures[t.Name()]
	if !ok || g.colour {
		return
	}
	r := startGolden(t, g.args, colourRenderer())
	for _, step := range g.script {
		step(r)
	}
	frame := r.screen() + "\n"
	if ansi.Strip(frame) == frame {
		t.Fatalf("the colour replay of %s has no colour:\n%s", t.Name(), frame)
	}
	goldenPath := filepath.ToSlash(filepath.Join("tui", "testdata", t.Name()+".golden"))
	line := manifestLine(name, golden, frame, goldenPath)
	if *picturesDir != "" {
		if err := os.WriteFile(filepath.Join(*picturesDir, name+".ans"), []byte(frame), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*picturesDir, name+".sum"), []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := readManifest()
	if err != nil {
		t.Fatal(err)
	}
	if got := want[name]; got != line {
		t.Errorf("assets/%s.png is older than the screen it shows (%s): run `make pictures` and commit assets/\nmanifest: %q\nnow:      %q",
			name, goldenPath, got, line)
	}
}

// readManifest maps a picture's name to its manifest line.
func readManifest() (map[string]string, error) {
	f, err := os.Open(picturesManifest)
	if err != nil {
		return nil, fmt.Errorf("the pictures' manifest: %w (make pictures writes it)", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out[strings.Fields(l)[0]] = l
		}
	}
	return out, sc.Err()
}

// Every picture has its line in the manifest and its image in assets/,
// the manifest names no other, and the README shows each one.
func TestPicturesManifest(t *testing.T) {
	m, err := readManifest()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, name := range pictures {
		names = append(names, name)
		if _, ok := m[name]; !ok {
			t.Errorf("no manifest line for the picture %q in %s: run `make pictures`", name, picturesManifest)
		}
		img := "assets/" + name + ".png"
		if fi, err := os.Stat("../" + img); err != nil || fi.Size() == 0 {
			t.Errorf("%s is missing: run `make pictures`", img)
		}
		if !strings.Contains(string(readme), "("+img+")") {
			t.Errorf("the README does not show %s", img)
		}
	}
	for name := range m {
		if !slices.Contains(names, name) {
			t.Errorf("the manifest names %q, which no golden screen makes", name)
		}
	}
}
