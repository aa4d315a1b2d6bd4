//! Image records, tasks and the image data directory.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Map, Value};
use tempfile::TempDir;

use crate::http::{iso_seconds, sorted_keys, sorted_keys_value};

/// Where an image is in Glance's status machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageStatus {
    /// Created, no data.
    Queued,
    /// Data is being uploaded (`PUT …/file`).
    Saving,
    /// Data staged (`PUT …/stage`), waiting for `import`.
    Uploading,
    /// An import task is running or has failed.
    Importing,
    /// Data stored and verified.
    Active,
}

impl ImageStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ImageStatus::Queued => "queued",
            ImageStatus::Saving => "saving",
            ImageStatus::Uploading => "uploading",
            ImageStatus::Importing => "importing",
            ImageStatus::Active => "active",
        }
    }
}

/// An import task (`GET /v2/images/{id}/tasks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Task id.
    pub id: String,
    /// `pending`, `processing`, `success` or `failure`.
    pub status: String,
    /// Owning project.
    pub owner: String,
    /// The user who started it.
    pub user_id: String,
    /// The image.
    pub image_id: String,
    /// Failure message, empty otherwise.
    pub message: String,
    /// The import request body.
    pub input: Value,
    /// Creation time, seconds since the epoch.
    pub created_at: u64,
    /// Last change, seconds since the epoch.
    pub updated_at: u64,
}

impl Task {
    /// The wire form.
    pub fn view(&self) -> Value {
        let result = if self.status == "success" {
            json!({"image_id": self.image_id})
        } else {
            Value::Null
        };
        json!({
            "id": self.id,
            "type": "api_image_import",
            "status": self.status,
            "owner": self.owner,
            "expires_at": null,
            "created_at": iso_seconds(self.created_at),
            "updated_at": iso_seconds(self.updated_at),
            "input": sorted_keys_value(&self.input),
            "result": result,
            "message": self.message,
            "image_id": self.image_id,
            "request_id": format!("req-{}", self.id),
            "user_id": self.user_id,
        })
    }
}

/// A member's answer to an image shared with its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    /// Not answered yet: the member sees the image but does not list it.
    Pending,
    /// Accepted: listed by default.
    Accepted,
    /// Declined: listed only with `member_status=rejected` or `all`.
    Rejected,
}

impl MemberStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Accepted => "accepted",
            MemberStatus::Rejected => "rejected",
        }
    }

    /// The status a wire name names.
    pub fn parse(name: &str) -> Option<MemberStatus> {
        [
            MemberStatus::Pending,
            MemberStatus::Accepted,
            MemberStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// A project an image is shared with (`/v2/images/{id}/members`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's project id, as the owner gave it (Glance does not ask
    /// Keystone whether it exists).
    pub project: String,
    /// The member's answer.
    pub status: MemberStatus,
    /// Creation time, seconds.
    pub created_at: u64,
    /// Last change, seconds.
    pub updated_at: u64,
    /// Removed: Glance keeps a removed member's record and gives it back,
    /// in its place in the list, when the project is added again.
    pub deleted: bool,
}

/// Which memberships a list shows shared images by (`member_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberFilter {
    /// Those in this status (`accepted` by default).
    Status(MemberStatus),
    /// Every membership (`member_status=all`).
    All,
}

impl MemberFilter {
    /// The filter a `member_status` value names.
    pub fn parse(name: &str) -> Option<MemberFilter> {
        match name {
            "all" => Some(MemberFilter::All),
            other => MemberStatus::parse(other).map(MemberFilter::Status),
        }
    }

    fn admits(self, status: MemberStatus) -> bool {
        self == MemberFilter::All || self == MemberFilter::Status(status)
    }
}

/// An image record.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Image id.
    pub id: String,
    /// Owning project.
    pub owner: String,
    /// Name.
    pub name: Option<String>,
    /// Disk format.
    pub disk_format: Option<String>,
    /// Container format.
    pub container_format: Option<String>,
    /// `public`, `private`, `shared` or `community`.
    pub visibility: String,
    /// Status.
    pub status: ImageStatus,
    /// Data size.
    pub size: Option<u64>,
    /// MD5 of the data, hex.
    pub checksum: Option<String>,
    /// SHA-512 of the data, hex (`os_hash_value`).
    pub hash_value: Option<String>,
    /// Protected from deletion.
    pub protected: bool,
    /// Minimum RAM (MiB; never negative once stored).
    pub min_ram: i64,
    /// Minimum disk (GiB; never negative once stored).
    pub min_disk: i64,
    /// Hidden from lists.
    pub os_hidden: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Additional properties (the four signature properties live here).
    pub extra: Map<String, Value>,
    /// Creation time, microseconds since the epoch: lists are sorted by
    /// it as Glance sorts by its database's `created_at`, which orders
    /// images made in the same second; shown in seconds.
    pub created_at_us: u64,
    /// Last change, seconds.
    pub updated_at: u64,
    /// Import tasks.
    pub tasks: Vec<Task>,
    /// The projects it is shared with, in the order they were first added
    /// (they count only while the image is `shared`).
    pub members: Vec<Member>,
    /// Bumped by every upload or stage; a stale upload must not touch the
    /// record after another one started.
    pub generation: u64,
    /// The data stayed in the store although the image is `queued`: Glance
    /// 33 after refusing the bytes' format (415) keeps the file, its
    /// checksums and `stores`, serves the data and answers a new upload
    /// 500 (its file store finds the file already there).
    pub stranded: bool,
}

/// Who looks at the images, as Glance 33's database layer sees them (the
/// answers recorded in `tests/fixtures/glance33-visibility.jsonl`): an admin
/// (the `admin` role on any project) sees every image; anyone else their
/// project's images, the public and community ones and the shared ones
/// their project is a member of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer<'a> {
    /// The project the token is scoped to.
    pub project: &'a str,
    /// Whether the token has the `admin` role.
    pub admin: bool,
}

impl Image {
    /// Whether `viewer` may see this image (show it, find it to change it).
    /// A member, whatever its answer, sees a shared image.
    pub fn visible_to(&self, viewer: Viewer<'_>) -> bool {
        self.listed_to(viewer, MemberFilter::All)
    }

    /// Whether a list shows it to `viewer` when it picks shared images by
    /// `members` (Glance's `member_status`, `accepted` unless asked).
    pub fn listed_to(&self, viewer: Viewer<'_>, members: MemberFilter) -> bool {
        viewer.admin
            || self.owner == viewer.project
            || matches!(self.visibility.as_str(), "public" | "community")
            || (self.visibility == "shared"
                && self
                    .member(viewer.project)
                    .is_some_and(|m| members.admits(m.status)))
    }

    /// Whether a list without a `visibility` filter shows it to `viewer`:
    /// what the list shows except other projects' community images, which
    /// are listed only on request (`visibility=community` or `all`).
    pub fn listed_by_default_to(&self, viewer: Viewer<'_>, members: MemberFilter) -> bool {
        self.listed_to(viewer, members)
            && (self.visibility != "community" || self.owner == viewer.project)
    }

    /// The membership of `project`, unless it was removed.
    pub fn member(&self, project: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| !m.deleted && m.project == project)
    }

    /// Record Glance's MD5 and SHA-512 of the data (hex), if computed.
    pub fn set_checksums(&mut self, checksums: Option<(String, String)>) {
        let (md5, sha512) = checksums.unzip();
        self.checksum = md5;
        self.hash_value = sha512;
    }

    /// Forget the data and its hashes.
    pub fn clear_data(&mut self) {
        self.stranded = false;
        self.size = None;
        self.checksum = None;
        self.hash_value = None;
    }

    /// The wire form (extra properties first, then the core fields in
    /// Glance's order, as in the transcript).
    pub fn view(&self) -> Value {
        let id = &self.id;
        let fixed = [
            ("name", json!(self.name)),
            ("disk_format", json!(self.disk_format)),
            ("container_format", json!(self.container_format)),
            ("visibility", json!(self.visibility)),
            ("size", json!(self.size)),
            ("virtual_size", json!(self.size)),
            ("status", json!(self.status.as_str())),
            ("checksum", json!(self.checksum)),
            ("protected", json!(self.protected)),
            ("min_ram", json!(self.min_ram)),
            ("min_disk", json!(self.min_disk)),
            ("owner", json!(self.owner)),
            ("os_hidden", json!(self.os_hidden)),
            (
                "os_hash_algo",
                json!(self.hash_value.as_ref().map(|_| "sha512")),
            ),
            ("os_hash_value", json!(self.hash_value)),
            ("id", json!(id)),
            (
                "created_at",
                json!(iso_seconds(self.created_at_us / 1_000_000)),
            ),
            ("updated_at", json!(iso_seconds(self.updated_at))),
            ("tags", json!(self.tags)),
            ("self", json!(format!("/v2/images/{id}"))),
            ("file", json!(format!("/v2/images/{id}/file"))),
            ("schema", json!("/v2/schemas/image")),
        ];
        // Extra properties first, then the base ones, as Glance orders them.
        let mut obj = sorted_keys(&self.extra);
        obj.extend(fixed.map(|(k, v)| (k.to_owned(), v)));
        if self.status == ImageStatus::Active || self.stranded {
            obj.insert("stores".to_owned(), json!("file"));
        }
        Value::Object(obj)
    }
}

/// All images, and the directory their data lives in.
#[derive(Debug)]
pub struct Store {
    images: Mutex<HashMap<String, Image>>,
    /// The ids of deleted images: Glance keeps their rows, so an id is
    /// never given twice (locked after `images` where both are).
    deleted: Mutex<HashSet<String>>,
    dir: TempDir,
}

impl Store {
    /// A store with a fresh temporary data directory, inside `parent` or
    /// the system's temporary directory.
    pub fn new(parent: Option<&Path>) -> std::io::Result<Store> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("imgsig-mock-");
        let dir = match parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        Ok(Store {
            images: Mutex::new(HashMap::new()),
            deleted: Mutex::new(HashSet::new()),
            dir,
        })
    }

    /// The records, locked.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<String, Image>> {
        self.images.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remember that image `id` was deleted (its record is gone from
    /// [`Store::lock`]'s map).
    pub fn bury(&self, id: &str) {
        self.graveyard().insert(id.to_owned());
    }

    /// Whether an image `id` was ever deleted.
    pub fn was_deleted(&self, id: &str) -> bool {
        self.graveyard().contains(id)
    }

    fn graveyard(&self) -> MutexGuard<'_, HashSet<String>> {
        self.deleted.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget every image, deleted ones too, and remove every data file.
    pub fn clear(&self) {
        self.lock().clear();
        self.graveyard().clear();
        for entry in std::fs::read_dir(self.dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            // A file an upload in progress already removed is fine.
            let _ = std::fs::remove_file(entry.path());
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where the active data of image `id` lives.
    pub fn data_path(&self, id: &str) -> PathBuf {
        self.dir.path().join(format!("{id}.data"))
    }

    /// Where the staged data of image `id` lives.
    pub fn staging_path(&self, id: &str) -> PathBuf {
        self.dir.path().join(format!("{id}.staged"))
    }

    /// A fresh path for an upload in progress.
    pub fn partial_path(&self, id: &str) -> PathBuf {
        self.dir
            .path()
            .join(format!("{id}.{}.partial", uuid::Uuid::new_v4().simple()))
    }

    /// The image `id` if `viewer` may see it.
    pub fn get(&self, id: &str, viewer: Viewer<'_>) -> Option<Image> {
        self.lock()
            .get(id)
            .filter(|i| i.visible_to(viewer))
            .cloned()
    }

    /// Remove the data and staged files of image `id`, if any.
    pub fn remove_files(&self, id: &str) {
        for path in [self.data_path(id), self.staging_path(id)] {
            // A missing file is the normal case.
            let _ = std::fs::remove_file(path);
        }
    }
}
