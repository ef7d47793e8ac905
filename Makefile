# govisa — make demo · test · bench · fuzz · lint · cross
GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 20s
BENCHTIME ?= 1s
STATICCHECK_VERSION ?= v0.8.2
CROSS_TARGETS = linux/amd64 linux/arm linux/arm64 linux/mips linux/riscv64 darwin/arm64 windows/amd64

.PHONY: demo test fmt-check vet unit cross test-gousb bench fuzz lint build test-usb-vm

## demo: start simulated instruments on loopback and talk to them through the public API
demo:
	$(GO) run ./cmd/govisa demo

## build: the govisa CLI into bin/
build:
	CGO_ENABLED=0 $(GO) build -o bin/govisa ./cmd/govisa

## test: gofmt check, go vet, race tests (fuzz seeds included), cross builds, the gousb build tag
test: fmt-check vet unit cross test-gousb

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# The USB VM test boots QEMU with software emulation: it runs on its own,
# after the other packages, so that their race tests do not starve it.
VMTEST = github.com/govisa/govisa/transport/usbtmc/vmtest
unit:
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list $(PKGS) | grep -vx '$(VMTEST)')
	$(GO) test -count=1 -timeout 10m $(VMTEST)

cross:
	@set -e; for t in $(CROSS_TARGETS); do \
		echo "CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} go build ./..."; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build ./...; \
	done

## test-gousb: vet and build the gousb (cgo + libusb) path; builds without the tag must not link it
test-gousb:
	GO=$(GO) testdata/usbvm/check-gousb.sh

## bench: every benchmark; protocol benchmarks report their ratio to a baseline from the same run (bare TCP, raw pty, raw bulk)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

## fuzz: each fuzz target for FUZZTIME
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

## lint: staticcheck, installed at a pinned version
lint:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$$($(GO) env GOPATH)/bin/staticcheck $(PKGS)

## test-usb-vm: the USB test in a QEMU VM against the kernel's dummy_hcd, usbfs and usbtmc driver
test-usb-vm:
	testdata/usbvm/fetch-kernel.sh
	GOVISA_REQUIRE_USBVM=1 $(GO) test -count=1 -v -run TestUSBVM ./transport/usbtmc/vmtest
