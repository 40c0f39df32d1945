"""The accessibility bar under the header of every citizen screen (same place everywhere):
"Listen" (speech on/off), "Large text", "High contrast" and "Call staff"; and the help panel
("Staff are coming", with a way to cancel). The app owns the states; these only show them."""

from __future__ import annotations

from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView


class AccessBar(BoxLayout):
    """Four big buttons bound to the app's `speech_on`, `large_text`, `high_contrast`, help."""


class HelpView(ModalView):
    """The panel a help call shows: `message`, and Cancel while the call is open."""

    message = StringProperty("")
    state = StringProperty("")  # calling | coming | limited | failed


class IdleWarning(ModalView):
    """ "Do you need more time? Touch the screen": any touch takes it down and restarts the timer."""

    message = StringProperty("")
