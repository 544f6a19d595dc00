//! Pictures in the window: received bytes are never put into the page. A saved file
//! is sniffed (PNG, JPEG, GIF, WebP only), decoded in Rust within size and dimension
//! limits, and shown as a PNG we encode ourselves from its pixels.

use image::{ImageFormat, Limits};
use std::io::Cursor;
use std::path::Path;

/// Largest picture file we decode.
pub const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;

/// Largest width or height we decode.
pub const MAX_EDGE: u32 = 8192;

/// Most memory a decoder may take.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

/// Longest edge of a thumbnail in the chat.
pub const THUMB_EDGE: u32 = 320;

/// Longest edge of a picture opened full size.
pub const VIEW_EDGE: u32 = 2048;

/// Why a picture is not shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    #[error("it is not a PNG, JPEG, GIF or WebP picture")]
    NotAPicture,
    #[error("it is too big to show ({0} bytes)")]
    TooBig(u64),
    #[error("it cannot be read: {0}")]
    Unreadable(String),
}

/// The format of a picture, from its first bytes; only the four we show.
pub fn sniff(head: &[u8]) -> Option<ImageFormat> {
    match head {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(ImageFormat::Png),
        [0xff, 0xd8, 0xff, ..] => Some(ImageFormat::Jpeg),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(ImageFormat::Gif),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// Decodes picture bytes within the limits and returns a PNG data URL of it, scaled
/// down to at most `edge` pixels on its longest side.
pub fn data_url(bytes: &[u8], edge: u32) -> Result<String, PictureError> {
    if bytes.len() as u64 > MAX_PICTURE_BYTES {
        return Err(PictureError::TooBig(bytes.len() as u64));
    }
    let format = sniff(bytes).ok_or(PictureError::NotAPicture)?;
    let img = decode(bytes, format)?;
    let img = if img.width() > edge || img.height() > edge {
        img.thumbnail(edge, edge)
    } else {
        img
    };
    // The PNG encoder named directly: `write_to` dispatches on the format at run time,
    // which links every encoder the `image` crate was built with (AVIF's rav1e too).
    let mut png = Vec::new();
    img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut png))
        .map_err(|e| PictureError::Unreadable(e.to_string()))?;
    Ok(format!("data:image/png;base64,{}", data_encoding::BASE64.encode(&png)))
}

/// Decodes with the decoder of `format` named directly, within the limits. (The
/// `image` crate's format dispatch would link every decoder it was built with, and
/// dioxus-desktop builds it with all of them.)
fn decode(bytes: &[u8], format: ImageFormat) -> Result<image::DynamicImage, PictureError> {
    use image::ImageDecoder;
    use image::codecs::{gif::GifDecoder, jpeg::JpegDecoder, png::PngDecoder, webp::WebPDecoder};
    let bad = |e: image::ImageError| PictureError::Unreadable(e.to_string());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_EDGE);
    limits.max_image_height = Some(MAX_EDGE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    fn load(mut d: impl ImageDecoder, limits: Limits) -> image::ImageResult<image::DynamicImage> {
        d.set_limits(limits)?;
        image::DynamicImage::from_decoder(d)
    }
    let r = Cursor::new(bytes);
    match format {
        ImageFormat::Png => load(PngDecoder::new(r).map_err(bad)?, limits),
        ImageFormat::Jpeg => load(JpegDecoder::new(r).map_err(bad)?, limits),
        ImageFormat::Gif => load(GifDecoder::new(r).map_err(bad)?, limits),
        ImageFormat::WebP => load(WebPDecoder::new(r).map_err(bad)?, limits),
        _ => return Err(PictureError::NotAPicture),
    }
    .map_err(bad)
}

/// The app icon as RGBA pixels (PNG decoded directly, see `decode`).
pub fn icon_rgba(png: &[u8]) -> Result<(Vec<u8>, u32, u32), PictureError> {
    let img = decode(png, ImageFormat::Png)?.into_rgba8();
    let (w, h) = img.dimensions();
    Ok((img.into_raw(), w, h))
}

/// `data_url` of a saved file.
pub fn file_data_url(path: &Path, edge: u32) -> Result<String, PictureError> {
    let len = std::fs::metadata(path)
        .map_err(|e| PictureError::Unreadable(e.to_string()))?
        .len();
    if len > MAX_PICTURE_BYTES {
        return Err(PictureError::TooBig(len));
    }
    let bytes = std::fs::read(path).map_err(|e| PictureError::Unreadable(e.to_string()))?;
    data_url(&bytes, edge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn pictures_are_decoded_and_shown_as_our_own_png() {
        let url = data_url(&png(1000, 500), THUMB_EDGE).unwrap();
        let b64 = url.strip_prefix("data:image/png;base64,").unwrap();
        let bytes = data_encoding::BASE64.decode(b64.as_bytes()).unwrap();
        let back = image::load_from_memory(&bytes).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (320, 160),
            "scaled to the thumbnail edge"
        );
        let small = data_url(&png(20, 10), THUMB_EDGE).unwrap();
        assert!(small.starts_with("data:image/png;base64,"));
    }

    #[test]
    fn the_app_icon_decodes_to_rgba() {
        let (rgba, w, h) = icon_rgba(crate::ui::app::ICON_PNG).unwrap();
        assert!(w >= 64 && h >= 64, "{w}x{h}");
        assert_eq!(rgba.len(), (w * h * 4) as usize);
        assert!(matches!(icon_rgba(b"not a png"), Err(PictureError::Unreadable(_))));
    }

    #[test]
    fn anything_else_is_refused() {
        assert!(matches!(
            data_url(b"<svg onload=alert(1)>", 320),
            Err(PictureError::NotAPicture)
        ));
        assert!(matches!(data_url(b"GIF89a\x01", 320), Err(PictureError::Unreadable(_))));
        let mut bad = png(10, 10);
        bad.truncate(40);
        assert!(matches!(data_url(&bad, 320), Err(PictureError::Unreadable(_))));
        assert!(matches!(
            data_url(&vec![0x89; MAX_PICTURE_BYTES as usize + 1], 320),
            Err(PictureError::TooBig(_))
        ));
        // A PNG header that claims 100000 x 100000 pixels is refused before decoding.
        let mut huge = png(1, 1);
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(matches!(data_url(&huge, 320), Err(PictureError::Unreadable(_))));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Some(ImageFormat::Png));
        assert_eq!(sniff(b"BM"), None, "BMP is not shown");
    }
}
