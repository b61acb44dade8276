	return ret;
}
