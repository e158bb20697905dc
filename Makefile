# Two commands for a newcomer: `make demo` and `make test`. Both set up .venv first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-quick test-slow system-deps clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages for the printable worksheets (headless chromium prints HTML to PDF, Noto CJK for
# Chinese). Installed only where missing and only when we may (root on Debian, as on CI).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "note: install chromium and fonts-noto-cjk for PDF worksheets (apt-get install chromium fonts-noto-cjk)"; \
		fi; \
	fi

demo: setup
	$(BIN)/iioe demo

test: setup system-deps
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow" -q
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m slow -q

test-quick: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -m "not slow" -q

clean:
	rm -rf $(VENV) .iioe .pytest_cache
