package testvectors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The independent implementations live in ./independent as a small npm
// project (package.json + package-lock.json, versions pinned). They are run
// as `node SCRIPT` with a JSON request on stdin and answer with JSON.

const independentDir = "independent"

var npmOnce sync.Once

// requireNode returns the node binary, installing the npm packages once when
// they are missing. Without node the test is skipped, unless
// PRAMAAN_REQUIRE_NODE is set (CI sets it), which makes it fatal.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("PRAMAAN_REQUIRE_NODE") != "" {
			t.Fatalf("node is required (PRAMAAN_REQUIRE_NODE is set): %v", err)
		}
		t.Skip("node is not installed: the independent-implementation checks need Node.js")
	}
	var installErr error
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(independentDir, "node_modules")); err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = independentDir
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = err
			t.Logf("npm install: %s", out)
		}
	})
	if installErr != nil {
		t.Fatalf("installing the independent implementations (npm install in %s): %v", independentDir, installErr)
	}
	if _, err := os.Stat(filepath.Join(independentDir, "node_modules")); err != nil {
		t.Fatalf("npm packages missing in %s: %v", independentDir, err)
	}
	return node
}

// independentResult is what every script answers.
type independentResult struct {
	OK     bool            `json:"ok"`
	Error  string          `json:"error"`
	Failed json.RawMessage `json:"failed"`
	Claims json.RawMessage `json:"claims"`
	Typ    string          `json:"typ"`
	KB     json.RawMessage `json:"kb"`
	// Status list checks.
	Bits     int    `json:"bits"`
	Sub      string `json:"sub"`
	TTL      *int64 `json:"ttl"`
	Statuses []int  `json:"statuses"`
}

func runIndependent(t *testing.T, node, script string, input any) independentResult {
	t.Helper()
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = independentDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var res independentResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node %s answered no JSON (%v):\n%s\n%s", script, err, out, stderr.String())
	}
	return res
}

// flipChar returns s with the character at i replaced by another character
// of the base64url alphabet, so the change is one byte and still decodes.
func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
