"""The kiosk's texts by area, Vietnamese first, English second; `kiosk.i18n.TABLE` merges them."""
