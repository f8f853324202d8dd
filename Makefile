# 精准扶贫系统: `make run` sets up everything and serves the product (production settings,
# gunicorn + whitenoise + the task worker); `make dev` is the debug server for developers;
# `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
SECRET_KEY_FILE := var/secret_key
# The demo's SMS gateway is the terminal: login codes are printed there (an explicit choice;
# with DEBUG off the settings refuse to guess a backend). Cookies are not Secure because the
# demo serves plain HTTP on localhost; a real server sits behind TLS (docs/DEPLOYMENT.md).
DEMO_SMS := SMS_BACKEND=poverty_system.core.sms.ConsoleBackend
RUN_ENV := DEBUG= SECRET_KEY_FILE=$(CURDIR)/$(SECRET_KEY_FILE) SECURE_COOKIES=0 $(DEMO_SMS)
DEV_ENV := DEBUG=1 $(DEMO_SMS)


.PHONY: run dev test install check-python chromium office migrate demo static lint bench load faults redis clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "错误：需要 Python 3.11 或更新版本（当前：$$($(PYTHON) --version 2>&1)）。"; \
	  echo "请安装 Python 3.11+，或用 make PYTHON=python3.11 指定解释器。"; exit 1; }

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: check-python $(VENV)/.installed

# Generated once, kept (mode 0600) so that sessions survive a restart.
$(SECRET_KEY_FILE):
	@mkdir -p $(dir $@)
	@umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@
	@chmod 600 $@
	@echo "已生成密钥文件 $@（仅本用户可读）。"

migrate: install $(SECRET_KEY_FILE)
	$(RUN_ENV) $(PY) manage.py migrate --noinput

# The demo accounts and households exist only when asked for: make run / make dev.
demo: migrate
	$(RUN_ENV) $(PY) manage.py load_regions fixtures/regions/ganzhou.csv
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py seed_identification_demo
	$(RUN_ENV) $(PY) manage.py seed_projects_demo

static: install $(SECRET_KEY_FILE)
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0

run: demo static
	@echo ""
	@echo "精准扶贫系统已就绪：请用浏览器打开 http://$(HOST)/ ，用上面列出的演示账号登录。"
	@echo "村级账号的短信验证码会打印在本终端里。按 Ctrl+C 停止（网页服务和后台任务一起停止）。"
	$(RUN_ENV) PYTHON=$(PY) scripts/serve $(HOST)

dev: demo
	@echo "调试服务器与后台任务（导出二维码等）一起启动；按 Ctrl+C 全部停止。"
	$(DEV_ENV) bash -c '$(PY) manage.py task_worker & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; $(PY) manage.py runserver $(HOST)'

chromium:
	@bash scripts/ensure-chromium

office:
	@bash scripts/ensure-office

redis:
	@bash scripts/ensure-redis

test: install chromium office redis
	$(PY) -m pytest

# Fault tests: throwaway PostgreSQL clusters stopped and restarted, workers killed (minutes).
faults: install
	$(PY) -m pytest -m faults

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(DEV_ENV) $(PY) -m mypy

bench: install
	$(PY) bench/run.py

# The load test (bench/load.py): locust against scripts/serve on loopback; DATABASE_URL selects
# PostgreSQL (a throwaway database: households are lifted). Writes docs/PERFORMANCE.md.
load: install redis
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) var staticfiles
