"""`python -m locker`: start the locker daemon."""

from locker.daemon import main

raise SystemExit(main())
