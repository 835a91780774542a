"""gunicorn settings for `make serve`; every value can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", 1))
timeout = int(os.environ.get("WEB_TIMEOUT", 120))  # the largest reports take a few seconds
# one line per request on stdout; no cookies, no headers, no bodies
accesslog = "-"  # stdout
errorlog = "/dev/stdout"  # everything on stdout, for the platform to collect
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
