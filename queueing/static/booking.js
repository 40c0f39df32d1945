// A booking's page: cancel from the link.
"use strict";
const cancelBtn = document.getElementById("cancel");
if (cancelBtn) cancelBtn.onclick = async () => {
  cancelBtn.disabled = true;
  try {
    await api("POST", `/api/v1/appointments/manage/${encodeURIComponent(pageData("booking-token"))}/cancel`);
    location.reload();
  } catch (e) {
    $("#err").textContent = e.message; $("#err").classList.remove("hidden"); cancelBtn.disabled = false;
  }
};
