import sys

from knowtrans.translations import update

if sys.argv[1:] != ["update"]:
    sys.exit("usage: python -m knowtrans.translations update")
update()
