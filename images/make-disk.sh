#!/usr/bin/env bash
# Turns a guest root tree into a bootable, compressed qcow2 — without loop devices or
# mounts: the ext4 file system is made from the tree (mkfs.ext4 -d), placed as the only
# partition of a raw disk, GRUB's boot sector and core image (prepared by guest-setup.sh)
# go in front of it, and qemu-img compresses the result.
#
#   make-disk.sh ROOTFS_DIR OUT.qcow2 SIZE_MIB ROOT_UUID
#
# The disk's virtual size is SIZE_MIB (the image's min_disk is that, rounded up to GiB);
# cloud-init's growpart grows the partition to the flavor's disk at first boot.
set -euo pipefail
rootfs=$1 out=$2 size_mib=$3 uuid=$4
work=$(mktemp -d "$(dirname "$out")/.disk.XXXXXX")
trap 'rm -rf "$work"' EXIT

boot_img=$rootfs/usr/lib/grub/i386-pc/boot.img
core_img=$rootfs/boot/grub/i386-pc/core.img
[ -f "$boot_img" ] && [ -f "$core_img" ] || { echo "make-disk: no GRUB images in $rootfs (guest-setup.sh did not run?)" >&2; exit 1; }
# core.img must fit between the MBR and the partition at 1 MiB.
[ "$(stat -c %s "$core_img")" -le $((1024 * 1024 - 512)) ] || { echo "make-disk: core.img is larger than the 1 MiB gap" >&2; exit 1; }

# The partition starts at 1 MiB; GRUB 2.12 reads every ext4 feature mke2fs 1.47 enables
# except metadata_csum_seed (incompat) — leave it out, and orphan_file with it.
mkfs.ext4 -q -F -L fnstack-root -U "$uuid" -O ^metadata_csum_seed,^orphan_file -d "$rootfs" "$work/root.ext4" "$((size_mib - 1))M"
truncate -s "${size_mib}M" "$work/disk.raw"
# The MBR's partition table: one bootable Linux partition (type 0x83) from sector 2048 to
# the end, addressed by LBA only (CHS fields at their "beyond 8 GiB" values), and 55 AA.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# shellcheck disable=SC2059  # (the format is built from bytes on purpose)
printf "\x80\xfe\xff\xff\x83\xfe\xff\xff$(le32 2048)$(le32 $(((size_mib - 1) * 2048)))" \
  | dd of="$work/disk.raw" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$work/disk.raw" bs=1 seek=510 conv=notrunc status=none
dd if="$work/root.ext4" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$work/root.ext4"
dd if="$boot_img" of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$core_img" of="$work/disk.raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -c -O qcow2 "$work/disk.raw" "$out"
