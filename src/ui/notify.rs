//! Desktop notifications (notify-rust, desktop builds only). On Android the mobile
//! renderer offers no notification API: a notification there needs the
//! POST_NOTIFICATIONS permission and a NotificationManager call through JNI.

/// Shows a notification in the background (the call may block on D-Bus).
pub fn show(title: String, body: String) {
    #[cfg(all(feature = "desktop", not(target_os = "android")))]
    std::thread::spawn(move || {
        if let Err(e) = notify_rust::Notification::new()
            .appname("Severus")
            .summary(&title)
            .body(&body)
            .show()
        {
            tracing::info!(%e, "no notification shown");
        }
    });
    #[cfg(not(all(feature = "desktop", not(target_os = "android"))))]
    let _ = (title, body);
}
