# SocialOmm: `make run` starts the app, `make test` runs every test.
GO      ?= go
BIN     := socialomm
PKGS     = $$($(GO) list ./... | grep -v /e2e)
FYNE    := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run build test unit integration lint run-deps test-deps package bench clean

run: build
	./$(BIN)

build: run-deps
	$(GO) build -o $(BIN) .

run-deps:
	@bash scripts/install-run-deps.sh

test-deps: run-deps
	@bash scripts/install-test-deps.sh
	@bash scripts/testbed-deps.sh
	@bash scripts/pds-deps.sh

# Every test: fast unit tests (race detector on), then the integration tests
# against the real test bed (keyring, Xvfb, notifications, browser, servers).
test: test-deps lint unit integration

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 $(PKGS)

integration:
	bash scripts/test-integration.sh

# A Linux package with a .desktop entry, from FyneApp.toml. fyne package
# names the command after the module path's last element ("desktop") unless
# it is handed a binary, so fyne build makes one called socialomm first (with
# the app's metadata and release flags) and the package installs that, with
# Exec=socialomm. fyne package bumps the build number in FyneApp.toml; the
# version lives in git instead, so the file is put back as it was.
package: run-deps
	cp FyneApp.toml .FyneApp.toml.keep
	{ $(FYNE) build --target linux --release -o $(BIN) && $(FYNE) package --target linux --release --executable $(BIN); }; status=$$?; mv .FyneApp.toml.keep FyneApp.toml; exit $$status
	@ls -1 *.tar.xz

bench:
	bash scripts/bench.sh

clean:
	rm -f $(BIN) *.tar.xz
