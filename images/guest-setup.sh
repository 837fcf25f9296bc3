#!/bin/sh
# mmdebstrap customize hook: turns the freshly bootstrapped tree ($1) into a cloud guest.
# Runs as root outside the chroot (commands that must run inside use `chroot "$1"`).
# Input from images/build.sh, in the environment:
#   FNSTACK_IMG_ROOT_UUID   the root file system's UUID (make-disk.sh formats it with it)
#   FNSTACK_IMG_NODE_MAJOR  the Node major version the runtime promises
set -eu
root=$1
: "${FNSTACK_IMG_ROOT_UUID:?}" "${FNSTACK_IMG_NODE_MAJOR:?}"

# The runtime: `node` on PATH, the one the runtime promises (the provider's user_data runs
# `node` from cloud-init's PATH as root; see service/provisioner/openstack/user-data.ts).
node_version=$(chroot "$root" /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin node -e 'process.stdout.write(process.version)')
case $node_version in
  "v$FNSTACK_IMG_NODE_MAJOR".*) ;;
  *) echo "guest-setup: node is $node_version in the image, the runtime wants v$FNSTACK_IMG_NODE_MAJOR" >&2; exit 1 ;;
esac
printf '%s\n' "$node_version" > "$root/etc/fnstack-node-version"

echo fnstack-guest > "$root/etc/hostname"
printf 'UUID=%s / ext4 defaults,errors=remount-ro 0 1\n' "$FNSTACK_IMG_ROOT_UUID" > "$root/etc/fstab"

# Boot loader without mounting anything: GRUB's modules and a core image built by the
# guest's own grub-mkimage; make-disk.sh writes boot.img to the MBR and core.img right
# after it (the gap before the first partition), where GRUB's boot sector looks by default.
mkdir -p "$root/boot/grub"
rm -rf "$root/boot/grub/i386-pc"
cp -a "$root/usr/lib/grub/i386-pc" "$root/boot/grub/i386-pc"
chroot "$root" grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
# /vmlinuz and /initrd.img are the kernel package's symlinks to the current kernel, so a
# kernel upgrade inside the guest keeps booting without update-grub.
for link in vmlinuz initrd.img; do
  [ -e "$root/$link" ] || { echo "guest-setup: /$link is missing" >&2; exit 1; }
done
cat > "$root/boot/grub/grub.cfg" <<CFG
set default=0
set timeout=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry 'Debian (fnstack guest)' {
  insmod part_msdos
  insmod ext2
  linux /vmlinuz root=UUID=$FNSTACK_IMG_ROOT_UUID ro console=tty0 console=ttyS0,115200n8
  initrd /initrd.img
}
CFG

# cloud-init: the data sources an OpenStack cloud offers (config drive, metadata service)
# and NoCloud (a `cidata` disk: what the real-guest test gives it); no long probing.
# Networking by systemd-networkd (DHCPv4 and v6 built in): with ifupdown, cloud-init's
# `inet6 dhcp` stanza fails without a DHCPv6 client and ifup then drops the IPv4 lease too.
# No SSH server, so no host keys to generate.
cat > "$root/etc/cloud/cloud.cfg.d/90-fnstack.cfg" <<'CFG'
datasource_list: [NoCloud, ConfigDrive, OpenStack, None]
locale: C.UTF-8
ssh_genkeytypes: []
system_info:
  network:
    renderers: [networkd]
    activators: [networkd]
CFG
chroot "$root" systemctl enable systemd-networkd.service

# Nothing periodic in a VM that lives for one event, and nothing slow it does not need at
# boot (grub-common records boot success for a GRUB menu it never shows; getty-static).
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer dpkg-db-backup.timer \
    grub-common.service getty-static.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

# Unique per boot, not per image.
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/log/"*.log
