// SPDX-License-Identifier: GPL-2.0
/*
 * vsr: module entry points.  Registers the character-device region for
 * /dev/vsrlogN, the device class and the "vsr" generic netlink family, and
 * unwinds them in reverse order.
 */

#include <linux/module.h>
#include <linux/fs.h>
#include <linux/device.h>
#include <net/genetlink.h>
#include <uapi/linux/vsr.h>

#include "compat.h"

#define VSR_MAX_MINORS	256

static dev_t vsr_devt;
static struct class *vsr_class;

static struct genl_family vsr_genl_family __ro_after_init = {
	.name		= VSR_GENL_NAME,
	.version	= VSR_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
};

static int __init vsr_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&vsr_devt, 0, VSR_MAX_MINORS, VSR_DEV_PREFIX);
	if (ret)
		return ret;

	vsr_class = vsr_class_create(VSR_DEV_PREFIX);
	if (IS_ERR(vsr_class)) {
		ret = PTR_ERR(vsr_class);
		goto err_region;
	}

	ret = genl_register_family(&vsr_genl_family);
	if (ret)
		goto err_class;

	pr_info("loaded (char major %d)\n", MAJOR(vsr_devt));
	return 0;

err_class:
	class_destroy(vsr_class);
err_region:
	unregister_chrdev_region(vsr_devt, VSR_MAX_MINORS);
	return ret;
}

static void __exit vsr_exit(void)
{
	genl_unregister_family(&vsr_genl_family);
	class_destroy(vsr_class);
	unregister_chrdev_region(vsr_devt, VSR_MAX_MINORS);
	pr_info("unloaded\n");
}

module_init(vsr_init);
module_exit(vsr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Viewstamped Replication replicated log");
MODULE_AUTHOR("The vsr developers");
MODULE_ALIAS_GENL_FAMILY(VSR_GENL_NAME);
