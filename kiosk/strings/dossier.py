"""Texts of the dossier lookup ("Tra cứu hồ sơ / Check a dossier", kiosk/screens/dossier.py)."""

from __future__ import annotations

# key -> (vi, en); merged into kiosk.i18n.TABLE (keys must not repeat across modules)
STRINGS: dict[str, tuple[str, str]] = {
    "home.dossier": ("Tra cứu hồ sơ", "Check a dossier"),
    "home.dossier_sub": ("Xem hồ sơ đã đến đâu, khi nào nhận", "Where it is, when to collect it"),
    "dossier.title": ("Tra cứu hồ sơ", "Check a dossier"),
    "dossier.prompt": (
        "Đưa mã QR hoặc mã vạch trên giấy tiếp nhận hồ sơ vào camera, hoặc nhập mã hồ sơ rồi bấm Tra cứu.",
        "Show the QR code or barcode on your dossier receipt to the camera, or type the dossier code "
        "and press Look up.",
    ),
    "dossier.prompt_short": (
        "Quét mã trên giấy hẹn, hoặc nhập mã hồ sơ.",
        "Scan your receipt, or type the code.",
    ),
    "dossier.placeholder": ("Mã hồ sơ", "Dossier code"),
    "dossier.edit": ("Sửa mã", "Edit the code"),
    "dossier.submit": ("Tra cứu", "Look up"),
    "dossier.checking": ("Đang tra cứu hồ sơ…", "Looking up your dossier…"),
    "dossier.bad_code": (
        "Mã hồ sơ gồm chữ, số, dấu chấm và gạch ngang, từ 3 đến 40 ký tự. Xin kiểm tra lại mã trên giấy hẹn.",
        "A dossier code has 3 to 40 letters, digits, dots and dashes. Please check the code on your receipt.",
    ),
    "dossier.not_receipt": (
        "Đây không phải mã trên giấy tiếp nhận hồ sơ. Xin đưa mã QR hoặc mã vạch trên giấy hẹn, "
        "hoặc nhập mã.",
        "That is not the code of a dossier receipt. Show the QR code or barcode on your receipt, or type it.",
    ),
    "dossier.unknown": (
        "Không tìm thấy hồ sơ {code}. Xin quý khách kiểm tra lại mã trên giấy hẹn, hoặc hỏi tại quầy.",
        "No dossier {code} was found. Please check the code on your receipt, or ask at the counter.",
    ),
    "dossier.unavailable": (
        "Hệ thống một cửa chưa trả lời. Xin quý khách thử lại sau ít phút, hoặc hỏi tại quầy.",
        "The one-stop system is not answering. Please try again in a few minutes, or ask at the counter.",
    ),
    "dossier.too_many": (
        "Quý khách tra cứu quá nhanh. Xin đợi {s} giây rồi thử lại.",
        "Too many look-ups. Please wait {s} seconds and try again.",
    ),
    # ----- the answer -----
    "dossier.status.received": ("Đã tiếp nhận, đang chờ giải quyết", "Received, waiting to be handled"),
    "dossier.status.in_progress": ("Đang giải quyết", "Being handled"),
    "dossier.status.supplement_requested": ("Cần bổ sung giấy tờ", "More documents are needed"),
    "dossier.status.done_waiting": ("Đã có kết quả, mời quý khách nhận", "Ready: your result is waiting"),
    "dossier.status.returned": ("Đã trả kết quả", "The result has been handed over"),
    "dossier.code_line": ("Mã hồ sơ: {code}", "Dossier: {code}"),
    "dossier.name_line": ("Người nộp: {name}", "Applicant: {name}"),
    "dossier.procedure_line": ("Thủ tục: {procedure}", "Procedure: {procedure}"),
    "dossier.missing": (
        "Cần bổ sung: {missing}. Xin quý khách mang đến quầy tiếp nhận.",
        "Please bring to the reception counter: {missing}.",
    ),
    "dossier.received_on": ("Ngày tiếp nhận: {date}", "Received on: {date}"),
    "dossier.due_on": ("Ngày hẹn trả kết quả: {date}", "Result promised for: {date}"),
    # the apology a late dossier is owed (the one-stop rules: a letter of apology with a new date)
    "dossier.late": (
        "Hồ sơ đã quá hạn hẹn trả. Trung tâm thành thật xin lỗi quý khách. Theo quy định, quý khách "
        "sẽ nhận Phiếu xin lỗi và hẹn lại ngày trả kết quả.",
        "This dossier is past its promised date. The center sincerely apologises. As the rules "
        "require, you will receive a letter of apology with a new date for the result.",
    ),
    "dossier.collect.counter": ("Nơi nhận kết quả: quầy trả kết quả", "Collect at: the results counter"),
    "dossier.collect.locker": ("Nơi nhận kết quả: tủ nhận hồ sơ 24h", "Collect at: the 24-hour locker"),
    "dossier.collect.post": (
        "Kết quả được gửi qua bưu điện đến địa chỉ của quý khách",
        "The result is sent to you by post",
    ),
    "dossier.in_locker": (
        "Kết quả ở ô tủ số {compartment} từ {since}. Mã nhận dùng được đến {until}.",
        "The result is in locker {compartment} since {since}. The pickup code works until {until}.",
    ),
    "dossier.partial": (
        "Hệ thống một cửa chưa trả lời; đây là thông tin của tủ nhận hồ sơ.",
        "The one-stop system did not answer; this is what the locker knows.",
    ),
    "dossier.resend": ("Gửi lại mã", "Send the code again"),
    "dossier.resending": ("Đang gửi lại mã…", "Sending the code again…"),
    "dossier.resent": (
        "Đã gửi mã mới đến số điện thoại {phone}. Mã cũ không còn dùng được.",
        "A new code was sent to {phone}. The old code no longer works.",
    ),
    "dossier.resend_too_soon": (
        "Mã vừa được gửi lại. Xin quý khách xem tin nhắn; có thể gửi lại sau {when}.",
        "The code was sent again recently. Please check your messages; it can be sent again after {when}.",
    ),
    "dossier.resend_refused": (
        "Không thể gửi lại mã cho hồ sơ này. Xin quý khách hỏi tại quầy.",
        "The code cannot be sent again for this dossier. Please ask at the counter.",
    ),
    "dossier.another": ("Tra cứu hồ sơ khác", "Check another dossier"),
    "speech.dossier": (
        "Tra cứu hồ sơ. Đưa mã QR hoặc mã vạch trên giấy tiếp nhận vào camera, hoặc nhập mã hồ sơ.",
        "Check a dossier. Show the QR code or barcode on your receipt to the camera, or type the code.",
    ),
}
